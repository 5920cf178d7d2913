"""What each slash command does. The app hands every submitted prompt to `SlashCommands.handle` first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import agent

from ._cells import DiffCell, StatusCell
from ._format import display_path, tokens_text
from ._git_diff import NotARepository, working_tree_diff
from ._messages import OpenSubAgent
from ._slash import COMMANDS, parse_slash
from ._status_bar import context_text
from ._threads import ThreadSummary

if TYPE_CHECKING:
    from ._command_host import CommandHost

INIT_PROMPT = """Write an AGENTS.md file at the root of this repository for coding agents that will work here.

Look around first: the layout, the languages and tools in use, how to build, run the tests and lint, and any
conventions the code follows. Then write a short, concrete guide (a page or so) with these sections as they apply:
project layout; build, test and lint commands; code style and naming; how tests are written; commit and review
habits; anything a newcomer would trip over. Prefer exact commands and paths over general advice. Do not invent
what you could not find."""


class SlashCommands:
    """The slash commands of one app."""

    def __init__(self, app: CommandHost) -> None:
        self.app = app

    async def handle(self, text: str) -> bool:
        """Run `text` if it is a slash command; False when it is a prompt for the agent."""
        parsed = parse_slash(text)
        if parsed is None:
            return False
        if not self.app.configured:
            self.app.notify_cell("warning", "pycodex is still starting; try again in a moment.")
            return True
        if isinstance(parsed, str) and parsed.startswith("prompts:"):
            self._custom_prompt(text.strip()[len("/prompts:") :])
            return True
        if isinstance(parsed, str):
            names = ", ".join(f"/{c.name}" for c in COMMANDS)
            self.app.notify_cell("warning", f"There is no /{parsed} command. Try one of: {names}.")
            return True
        command, args = parsed
        if self.app.driver.running and not command.while_running:
            self.app.notify_cell(
                "warning", f"/{command.name} waits until the agent is done: press esc to stop it, then try again."
            )
            return True
        if command.name == "new":
            # `/clear` is `/new`, except that SessionStart hooks hear `source: "clear"` (as Codex's).
            await self._new(args, cleared=text.strip()[1:].partition(" ")[0] == "clear")
            return True
        handler = getattr(self, f"_{command.name}")
        await handler(args)
        return True

    def _session_or_warn(self) -> agent.Session | None:
        if self.app.session is None:
            self.app.notify_cell("warning", "The session is still starting; try again in a moment.")
        return self.app.session

    # ---- sessions -----------------------------------------------------------------------------------------------

    async def _new(self, args: str, *, cleared: bool = False) -> None:
        if self.app.driver.finished:
            self.app.start_driver(fresh=True)
        else:
            self.app.driver.new_session(cleared=cleared)

    async def _resume(self, args: str) -> None:
        if args:
            self.app.driver.new_session(resume_id=args)
            return
        self.pick_resume(first=False)

    def pick_resume(self, *, first: bool) -> None:
        from ._pickers import resume_picker

        def chosen(thread_id: str | None) -> None:
            if first:
                self.app.start_driver(resume_id=thread_id)
            elif thread_id is not None:
                self.app.driver.new_session(resume_id=thread_id)

        def show(threads: list[ThreadSummary]) -> None:
            if not threads:
                self.app.notify_cell("info", "No past sessions were found.")
                chosen(None)
                return
            self.app.push_screen(resume_picker(threads, self.app.now()), callback=chosen)

        self.app.load_threads_then(cast(Any, show), first=first)

    async def _compact(self, args: str) -> None:
        if self._session_or_warn() is not None:
            self.app.notify_cell("info", "Compacting the conversation…")
            self.app.driver.compact()

    async def _quit(self, args: str) -> None:
        self.app.action_quit_app()

    # ---- settings -----------------------------------------------------------------------------------------------

    async def _model(self, args: str) -> None:
        session = self._session_or_warn()
        if session is None:
            return
        if args:
            name, _, effort = args.partition(" ")
            self._set_model(name, effort.strip() or None)
            return
        from ._pickers import effort_picker, model_picker

        current = session.config.model
        extra: list[str] = []
        known = True
        if session.config.provider.id != "openai":
            # A custom provider's own models, not OpenAI's.
            import agent

            listed = await agent.provider_models(session.config.provider)
            extra, known = list(listed or []), False

        def model_chosen(name: str | None) -> None:
            if name is None:
                return

            def effort_chosen(effort: str | None) -> None:
                self._set_model(name, effort)

            self.app.push_screen(effort_picker(session.config.reasoning_effort), callback=effort_chosen)

        self.app.push_screen(model_picker(current, extra, known=known), callback=model_chosen)

    def _set_model(self, name: str, effort: str | None) -> None:
        from ._pickers import EFFORTS

        session = self.app.session
        if session is None:
            return
        if effort is not None and effort != "default" and effort not in EFFORTS:
            self.app.notify_cell("warning", f"Unknown reasoning effort {effort!r}: use one of {', '.join(EFFORTS)}.")
            return
        chosen_effort: Any = effort if effort in EFFORTS else None
        config = session.reconfigure(model=name, reasoning_effort=chosen_effort)
        self.app.config = config
        self.app.status.model = config.model + (f" ({config.reasoning_effort})" if config.reasoning_effort else "")
        shown = config.model + (f" with {config.reasoning_effort} reasoning" if config.reasoning_effort else "")
        self.app.notify_cell("info", f"Model set to {shown}; it takes effect with the next request.")

    async def _approvals(self, args: str) -> None:
        session = self._session_or_warn()
        if session is None:
            return
        from ._pickers import APPROVAL_PRESETS, approvals_picker

        def chosen(name: str | None) -> None:
            preset = next((p for p in APPROVAL_PRESETS if p[0] == name), None)
            if preset is None or self.app.session is None:
                return
            _, sandbox_mode, policy, text = preset
            config = self.app.session.reconfigure(
                approval_policy=cast(Any, policy), sandbox_mode=cast(Any, sandbox_mode)
            )
            self.app.config = config
            self.app.status.sandbox = config.sandbox_mode
            self.app.notify_cell(
                "info", f"Permissions: {text.split(':', 1)[0]} (sandbox {sandbox_mode}, approvals {policy})."
            )

        self.app.push_screen(
            approvals_picker(session.config.sandbox_mode, session.config.approval_policy), callback=chosen
        )

    # ---- information --------------------------------------------------------------------------------------------

    async def _diff(self, args: str) -> None:
        import anyio.to_thread

        try:
            result = await anyio.to_thread.run_sync(working_tree_diff, self.app.config.cwd)
        except NotARepository as exc:
            self.app.notify_cell("warning", f"/diff needs a git repository: {exc}.")
            return
        self.app.transcript.add(DiffCell(result.diff, result.untracked))

    async def _status(self, args: str) -> None:
        self.app.transcript.add(StatusCell("Status", self.status_rows()))

    def status_rows(self) -> list[tuple[str, str]]:
        app = self.app
        config = app.session.config if app.session is not None else app.config
        provider = config.provider
        usage = app.token_info.total_token_usage if app.token_info else agent.TokenUsage()
        rows = [
            ("model", config.model + (f" ({config.reasoning_effort} reasoning)" if config.reasoning_effort else "")),
            ("provider", f"{provider.name} ({provider.base_url})"),
            ("directory", display_path(config.cwd, None)),
            ("approvals", config.approval_policy),
            ("sandbox", config.sandbox_mode),
            (
                "tokens used",
                f"{tokens_text(usage.total_tokens)} total · {tokens_text(usage.input_tokens)} in "
                f"({tokens_text(usage.cached_input_tokens)} cached) · {tokens_text(usage.output_tokens)} out",
            ),
            ("context", context_text(app.token_info, config.toml.model_context_window)),
        ]
        if app.session is not None:
            rows.append(("session", app.session.thread_id))
        rows.append(("MCP servers", self._mcp_summary(config)))
        return rows

    def _mcp_summary(self, config: agent.Config) -> str:
        names = sorted(config.mcp_servers)
        if not names:
            return "none configured"
        return ", ".join(f"{n} ({'failed' if n in self.app.mcp_failures else 'started'})" for n in names)

    async def _mcp(self, args: str) -> None:
        config = self.app.config
        names = sorted(config.mcp_servers)
        if not names:
            path = display_path(config.codex_home / "config.toml", None)
            self.app.notify_cell("info", f"No MCP servers are configured. Add one with `pycodex mcp add` or in {path}.")
            return
        rows: list[tuple[str, str]] = []
        for name in names:
            failure = self.app.mcp_failures.get(name)
            state = failure.split(": ", 1)[-1] if failure else "started"
            rows.append((name, f"{_transport(config.mcp_servers[name])} · {state}"))
        self.app.transcript.add(StatusCell("MCP servers", rows))

    async def _agents(self, args: str) -> None:
        """`/agents`: pick one of the session's sub-agents and open its transcript; `/agents NAME` (a nickname or
        the start of an id) opens it at once."""
        session = self._session_or_warn()
        if session is None:
            return
        children = session.sub_agents()
        if not children:
            self.app.notify_cell("info", "This session has not started any sub-agents.")
            return
        if args:
            wanted = args.strip().lower()
            found = [c for c in children if c.nickname.lower() == wanted or c.id.startswith(wanted)]
            if len(found) == 1:
                self.app.post_message(OpenSubAgent(found[0].id))
            else:
                names = ", ".join(c.nickname for c in children)
                self.app.notify_cell("warning", f"No single sub-agent is called {args.strip()!r}; there are: {names}.")
            return
        from ._pickers import agents_picker

        def chosen(agent_id: str | None) -> None:
            if agent_id is not None:
                self.app.post_message(OpenSubAgent(agent_id))

        self.app.push_screen(agents_picker(children), callback=chosen)

    async def _review(self, args: str) -> None:
        from ._review_command import run_review_command

        await run_review_command(self.app, args)

    def _custom_prompt(self, command: str) -> None:
        """`/prompts:<name> [arguments]`: the prompt file read now, its placeholders filled, sent as a prompt."""
        from agent.skills import PromptArgumentError, expand_prompt, load_custom_prompts, prompts_dir

        name, _, arguments = command.partition(" ")
        prompts, _ = load_custom_prompts(self.app.config.codex_home)
        prompt = next((p for p in prompts if p.name == name), None)
        if prompt is None:
            folder = display_path(prompts_dir(self.app.config.codex_home), None)
            known = ", ".join(f"/{p.command}" for p in prompts) or "none yet"
            self.app.notify_cell(
                "warning", f"There is no custom prompt {name!r} (a file {name}.md in {folder}); yours: {known}."
            )
            return
        try:
            text = expand_prompt(prompt, arguments)
        except PromptArgumentError as exc:
            self.app.notify_cell("warning", f"{exc}.")
            return
        if not text.strip():
            self.app.notify_cell("warning", f"The custom prompt {prompt.path} is empty; nothing was sent.")
            return
        self.app.send_prompt(text, ())

    async def _init(self, args: str) -> None:
        target = self.app.config.cwd / "AGENTS.md"
        if target.exists():
            shown = display_path(target, None)
            self.app.notify_cell(
                "info", f"{shown} already exists; /init leaves it as it is. Edit it, or delete it and run /init again."
            )
            return
        self.app.send_prompt(INIT_PROMPT, ())


def _transport(server: Any) -> str:
    """`url` or `command args` of an `mcp_client.McpServerConfig` (read by attribute: the TUI does not import it)."""
    transport: Any = getattr(server, "transport", None)
    url: Any = getattr(transport, "url", None)
    if isinstance(url, str):
        return url
    command: Any = getattr(transport, "command", None)
    if isinstance(command, str):
        args: Sequence[str] = getattr(transport, "args", None) or ()
        return " ".join([command, *args])
    return "configured"
