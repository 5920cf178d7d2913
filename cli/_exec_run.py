"""The body of `pycodex exec`: read the prompt, build the config, run one turn, render, pick the exit code.

Exit codes: 0 the turn completed; 1 it failed (model or server error, config file error, no provider); 2 usage
error (bad flag or flag value, no prompt); 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import sys
from pathlib import Path
from typing import Any

import anyio

import agent
from agent import Config, TurnOutcome

from ._exec_options import ExecOptions
from ._exec_render import HumanRenderer, JsonlRenderer

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
STDIN_WAIT_S = 1.0
CYBER_ACCESS_PROGRAMS = ("standard", "daybreak_blue", "daybreak_red")


class UsageError(Exception):
    pass


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _stdin_is_terminal() -> bool:
    try:
        return os.isatty(sys.stdin.fileno())
    except (OSError, ValueError, AttributeError):
        return True


def _read_stdin(wait: float | None) -> str | None:
    """All of stdin, or None when `wait` seconds pass without anything to read (a pipe nobody writes to)."""
    fd = sys.stdin.fileno()
    if wait is not None:
        readable, _, _ = select.select([fd], [], [], wait)
        if not readable:
            return None
    return sys.stdin.buffer.read().decode("utf-8", errors="replace")


def resolve_prompt(prompt: str | None) -> str:
    """The prompt from the argument and/or stdin. Stdin is read only when it is not a terminal."""
    piped = not _stdin_is_terminal()
    if prompt == "-":
        if not piped:
            raise UsageError("`-` reads the prompt from stdin, but stdin is a terminal; pipe the prompt in")
        _err("Reading prompt from stdin...")
        text = _read_stdin(None) or ""
        if not text.strip():
            raise UsageError("no prompt: stdin was empty")
        return text.rstrip("\n")
    if prompt is None:
        if not piped:
            raise UsageError("no prompt given: pass it as an argument, or pipe it in (`echo PROMPT | pycodex exec`)")
        _err("Reading prompt from stdin...")
        text = _read_stdin(None) or ""
        if not text.strip():
            raise UsageError("no prompt: stdin was empty")
        return text.rstrip("\n")
    if piped:
        extra = _read_stdin(STDIN_WAIT_S)
        if extra is None:
            _err(f"Ignoring stdin: nothing arrived within {STDIN_WAIT_S:g} s.")
        elif extra.strip():
            _err("Reading additional input from stdin...")
            return f"{prompt}\n\n<stdin>\n{extra.rstrip(chr(10))}\n</stdin>"
    return prompt


def _in_git_repo(path: Path) -> bool:
    return any((d / ".git").exists() for d in (path, *path.parents))


def _session_env(config: Config) -> dict[str, str] | None:
    """`CODEX_API_KEY` (set by Codex's SDK for its `apiKey` option) is exec's OpenAI key, before OPENAI_API_KEY."""
    key = os.environ.get("CODEX_API_KEY", "").strip()
    if not key or config.provider.id != "openai":
        return None
    return {**os.environ, "OPENAI_API_KEY": key}


def build_config(options: ExecOptions) -> Config:
    flags = agent.SessionFlags(
        model=options.model,
        profile=options.profile,
        sandbox=options.sandbox,
        cwd=options.cd,
        oss=options.oss,
        full_auto=options.full_auto,
        bypass_approvals_and_sandbox=options.yolo,
        bypass_hook_trust=options.bypass_hook_trust,
    )
    # exec never asks anyone: approval requests become rejections the model is told about, unless the automatic
    # reviewer (`approvals_reviewer = "auto_review"`) is there to answer them (then exec asks it: on-request).
    overrides = agent.overrides_from_flags(flags, approval_policy=("never", "exec (always never)"))
    config = agent.load_config(overrides, options.config, strict=options.strict_config)
    if options.yolo or config.toml.approvals_reviewer not in ("auto_review", "guardian_subagent"):
        return _note_approval_override(config, options.config)
    overrides = agent.overrides_from_flags(flags, approval_policy=("on-request", "exec (automatic reviewer)"))
    return agent.load_config(overrides, options.config, strict=options.strict_config)


def _note_approval_override(config: Config, overrides: list[str]) -> Config:
    """exec asks no one, as Codex's does; an approval policy given on its command line (`-a`, `-c approval_policy=`)
    is not silently dropped: the run says so."""
    given = [
        o.partition("=")[2].strip().strip("\"'") for o in overrides if o.partition("=")[0].strip() == "approval_policy"
    ]
    if not given or given[-1] == "never":
        return config
    note = (
        f"approval_policy = {given[-1]} is not used by exec, which asks no one: a command that would need approval "
        'is refused and the model is told so (approvals_reviewer = "auto_review" lets the automatic reviewer answer)'
    )
    return dataclasses.replace(config, warnings=(*config.warnings, note))


def run_exec(options: ExecOptions) -> int:
    """Run `pycodex exec` and return its exit code."""
    try:
        return _run_exec(options)
    finally:
        # A reader that went away must not turn into a traceback at interpreter exit.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run_exec(options: ExecOptions) -> int:
    try:
        for override in options.config:
            if "=" not in override:
                raise UsageError(f"invalid -c override (expected key=value): {override}")
        schema: dict[str, Any] | None = None
        if options.output_schema is not None:
            try:
                schema = json.loads(options.output_schema.read_text(encoding="utf-8"))
            except OSError as exc:
                raise UsageError(f"cannot read --output-schema {options.output_schema}: {exc.strerror}") from None
            except json.JSONDecodeError as exc:
                raise UsageError(f"--output-schema {options.output_schema} is not valid JSON: {exc}") from None
            if not isinstance(schema, dict):
                raise UsageError(f"--output-schema {options.output_schema} must hold a JSON object")
        for image in options.images:
            if not image.is_file():
                raise UsageError(f"cannot read image {image}: no such file")
        for directory in options.add_dirs:
            if not directory.is_dir():
                raise UsageError(f"--add-dir {directory}: no such directory")
        program = options.cyber_access_program
        if program is not None and program not in CYBER_ACCESS_PROGRAMS:
            choices = ", ".join(CYBER_ACCESS_PROGRAMS)
            raise UsageError(f"invalid value for --cyber-access-program: {program!r} (choose from {choices})")
        if options.thread_source is not None and not options.thread_source.strip():
            raise UsageError("--thread-source needs a non-empty value")
        prompt = resolve_prompt(options.prompt)
    except UsageError as exc:
        _err(f"Error: {exc}")
        return EXIT_USAGE

    renderer: JsonlRenderer | HumanRenderer
    renderer = JsonlRenderer(sys.stdout) if options.json_mode else HumanRenderer(sys.stderr, sys.stdout)
    if options.output_last_message is not None:
        # Created up front (empty) so that a failed run still leaves the file a script expects.
        _write_last_message(options.output_last_message, "")
    try:
        config = build_config(options)
    except agent.FlagError as exc:
        _err(f"Error: {exc}")
        return EXIT_USAGE
    except agent.ConfigError as exc:
        _err(f"Error loading configuration: {exc}")
        return exc.exit_code
    if not options.skip_git_repo_check and not options.yolo and not _in_git_repo(config.cwd):
        _err(
            f"Error: {config.cwd} is not inside a git repository. pycodex exec works in a repository so that its "
            "changes can be reviewed and undone; run it in one, or pass --skip-git-repo-check."
        )
        return EXIT_FAILURE
    try:
        config, notice = agent.choose_provider(config, _session_env(config))
    except agent.ProviderError as exc:
        renderer.fatal(str(exc))
        return EXIT_FAILURE
    if notice:
        _err(notice)
    if options.cyber_access_program is not None:
        _err("Note: --cyber-access-program is an OpenAI programme pycodex does not take part in; it is ignored.")
    config = _with_added_dirs(config, options.add_dirs)

    items: list[agent.UserInput] = [agent.LocalImageInput(path=i) for i in options.images]
    items.append(agent.TextInput(text=prompt))
    try:
        rollout = _find_rollout(config, options)
        outcome = anyio.run(_run, config, options, items, schema, renderer, prompt, rollout)
    except agent.AgentError as exc:
        renderer.fatal(str(exc))
        return EXIT_FAILURE
    if outcome is None:
        return EXIT_FAILURE
    if outcome.status == "completed" and options.output_last_message is not None:
        _write_last_message(options.output_last_message, outcome.last_agent_message or "")
    if outcome.status == "aborted":
        return EXIT_INTERRUPTED
    return EXIT_OK if outcome.status == "completed" else EXIT_FAILURE


def _with_added_dirs(config: Config, add_dirs: list[Path]) -> Config:
    """`--add-dir`: more writable roots for a workspace-write sandbox (said plainly when the sandbox ignores them)."""
    if not add_dirs:
        return config
    policy = config.sandbox_policy
    if policy.type != "workspace-write":
        _err(f"Note: --add-dir has no effect with the {policy.type} sandbox.")
        return config
    roots = (*policy.writable_roots, *(d.resolve() for d in add_dirs))
    return dataclasses.replace(config, sandbox_policy=policy.model_copy(update={"writable_roots": roots}))


def _find_rollout(config: Config, options: ExecOptions) -> Any:
    """The recorded thread `exec resume` / `exec fork` continues, or None for a plain run."""
    if options.resume is None and not options.resume_last:
        return None
    if options.resume_last:
        record = agent.latest_thread(config.codex_home, cwd=None if options.resume_all else config.cwd)
    else:
        assert options.resume is not None
        record = agent.find_thread(config.codex_home, options.resume)
    rollout = agent.load_thread(record)
    for warning in rollout.warnings:
        _err(f"warning: {warning}")
    return rollout


def _write_last_message(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"Warning: cannot write {path}: {exc.strerror}")


def _authorization_handler(config: Config) -> Any:
    """When an MCP server asks for a new login mid-run: with a person at the terminal, print the URL on stderr (a
    browser opens when there is a display) and wait for the login; headless, fail the call at once."""
    if not config.mcp_servers:
        return None
    import mcp_client  # loaded by the session anyway once servers are configured

    return mcp_client.ConsoleAuthorization(sys.stderr)


async def _run(
    config: Config,
    options: ExecOptions,
    items: list[agent.UserInput],
    schema: dict[str, Any] | None,
    renderer: JsonlRenderer | HumanRenderer,
    prompt: str,
    rollout: Any = None,
) -> TurnOutcome | None:
    async with agent.Session(
        config,
        source="exec",
        ephemeral=options.ephemeral,
        resume=rollout,
        fork=options.fork,
        authorization_handler=_authorization_handler(config),
        env=_session_env(config),
        thread_source=options.thread_source,
    ) as session:
        if isinstance(renderer, JsonlRenderer):
            renderer.thread_started(session.thread_id)
        else:
            renderer.header(config, session.thread_id, prompt)
        outcome: TurnOutcome | None = None
        signal_scope = anyio.CancelScope()

        async def pump() -> None:
            # Ends when the session closes its event stream, after every event was rendered.
            async for event in session.events():
                renderer.on_event(event)

        async def interrupt_on_signals() -> None:
            with signal_scope, anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                count = 0
                async for signum in signals:
                    count += 1
                    if count == 1:
                        if signum == signal.SIGTERM:
                            # Whoever terminated the run (Codex's SDK on abort) ended it: a `turn.failed` line after
                            # the signal would make the SDK report "turn interrupted" instead of its own AbortError.
                            renderer.signalled()
                        session.interrupt()
                    else:
                        os._exit(EXIT_INTERRUPTED)

        async with anyio.create_task_group() as tg:
            tg.start_soon(pump)
            tg.start_soon(interrupt_on_signals)
            outcome = await session.run_turn(items, output_schema=schema)
            await session.aclose()
            signal_scope.cancel()
    renderer.finish(outcome)
    return outcome
