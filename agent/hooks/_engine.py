"""What each hook event means for the session: the payload sent, and how the handlers' answers are read.

Codex's rules (exit 0 and JSON, plain text as context, exit 2 with a reason on stderr, other codes ignored), plus
what Claude Code's hooks may answer and Codex refuses: `PreToolUse` `permissionDecision` "allow" (no question) and
"ask" (always ask), `updatedInput` (the call runs with the new input), and `PermissionRequest` `updatedPermissions`
(its `addRules` entries answer later questions for the rest of the session, see `tools._approvals`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from ._config import Hook, HookEvent, HookSet
from ._run import HookRun, run_hooks

if TYPE_CHECKING:
    from ..config import Config

Report = Callable[[Hook, HookRun | None, str], Awaitable[None]]
"""Told about each handler: when it starts (no run yet) and when it ends, with a one-line status."""

_CONTEXT_EVENTS = ("SessionStart", "UserPromptSubmit")
BYPASS_TRUST_NOTE = (
    "--dangerously-bypass-hook-trust is on: for this run every configured hook runs, including hooks nobody has "
    "reviewed and trusted (hooks run as you, outside the sandbox)"
)
_TOOL_EVENTS = ("PreToolUse", "PermissionRequest", "PostToolUse")
# Codex's input schemas (0.171) leave these common fields out of some events (they allow no other properties).
_WITHOUT_MODE = frozenset({"SessionEnd", "PreCompact", "PostCompact"})
_WITHOUT_MODEL = frozenset({"SessionEnd"})
# Run inside a sub-agent, these events also say which agent (`agent_id`, `agent_type`).
_AGENT_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PreCompact", "PostCompact", "SubagentStart", "SubagentStop"})
# Events with nothing to match a matcher against: every handler runs, whatever its matcher.
_NO_SUBJECT = frozenset({"Interrupt"})


@dataclass
class Verdict:
    """What the handlers of one event decided together."""

    block_reason: str | None = None
    """Exit 2, `decision: block` or a deny: the reason (for Stop: the prompt to continue with)."""
    stop_reason: str | None = None
    """`continue: false`: the turn stops, with this reason."""
    contexts: list[str] = field(default_factory=lambda: [])
    """Additional context for the model (developer messages)."""
    permission: Literal["allow", "deny", "ask"] | None = None
    permission_message: str | None = None
    updated_input: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=lambda: [])
    """Answers pycodex does not act on, each naming its hook: for the user, as warnings."""
    permission_updates: list[dict[str, Any]] = field(default_factory=lambda: [])
    """PermissionRequest `updatedPermissions` (Claude Code's permission updates), given with an allow."""


def tool_alias(tool_name: str) -> tuple[str, ...]:
    """The names a matcher is tried against: shell tools are `Bash`, apply_patch also `Write` and `Edit`."""
    if tool_name in ("exec_command", "shell", "local_shell", "write_stdin"):
        return ("Bash", tool_name)
    if tool_name == "apply_patch":
        return ("apply_patch", "Write", "Edit")
    return (tool_name,)


class Hooks:
    """The session's hooks: run an event's handlers and read their answers."""

    def __init__(
        self,
        hooks: HookSet,
        *,
        session_id: str,
        cwd: Path,
        shell: str,
        model: str,
        approval_policy: str,
        transcript_path: Callable[[], Path | None],
        report: Report,
        agent: tuple[str, str] | None = None,
    ) -> None:
        self.set = hooks
        self.agent = agent
        """In a sub-agent's session: its id and type (its role, or `default`)."""
        self._common: dict[str, Any] = {
            "session_id": session_id,
            "cwd": str(cwd),
            "model": model,
            "permission_mode": "bypassPermissions" if approval_policy == "never" else "default",
        }
        self._cwd = cwd
        self._shell = shell
        self._transcript_path = transcript_path
        self._report = report

    def has(self, event: HookEvent) -> bool:
        return any(hook.event == event for hook in self.set.trusted)

    async def fire(
        self, event: HookEvent, fields: Mapping[str, Any], *, turn_id: str | None = None, subject: str | None = None
    ) -> Verdict:
        """Run every trusted handler of `event` that matches `subject` (a tool name for the tool events, SessionStart's
        source, the compaction trigger, a sub-agent's type), and combine their answers."""
        chosen = [hook for hook in self.set.trusted if hook.event == event and _applies(hook, event, subject)]
        if not chosen:
            return Verdict()
        for hook in chosen:
            await self._report(hook, None, _label(hook))
        runs = await run_hooks(chosen, self.payload(event, fields, turn_id), cwd=self._cwd, shell=self._shell)
        verdict = Verdict()
        for run in runs:
            await self._report(run.hook, run, _status(run))
            _read(event, run, verdict)
        return verdict

    def payload(self, event: HookEvent, fields: Mapping[str, Any], turn_id: str | None) -> dict[str, Any]:
        """What a handler of `event` reads on stdin: the common fields Codex sends for that event, then `fields`."""
        path = self._transcript_path()
        common = {key: value for key, value in self._common.items() if _sends(event, key)}
        payload = {**common, "transcript_path": str(path) if path else None, "hook_event_name": event}
        if self.agent is not None and event in _AGENT_EVENTS:
            payload["agent_id"], payload["agent_type"] = self.agent
        payload.update(fields)
        if turn_id is not None:
            payload["turn_id"] = turn_id
        return payload


def _sends(event: HookEvent, key: str) -> bool:
    if key == "permission_mode":
        return event not in _WITHOUT_MODE
    return key != "model" or event not in _WITHOUT_MODEL


def _applies(hook: Hook, event: HookEvent, subject: str | None) -> bool:
    if event in _NO_SUBJECT:
        return True
    if subject is not None and event in _TOOL_EVENTS:
        return any(hook.matches(name) for name in tool_alias(subject))
    return hook.matches(subject)


def _label(hook: Hook) -> str:
    return hook.status_message or f"{hook.event} hook: {hook.command}"


def _status(run: HookRun) -> str:
    failure = run.failure
    if failure is not None:
        return f"{_label(run.hook)} failed: {failure}"
    if run.exit_code == 2:
        return f"{_label(run.hook)} blocked: {run.stderr.strip()}"
    output = run.output or {}
    message = output.get("systemMessage")
    return f"{_label(run.hook)}: {message}" if isinstance(message, str) and message else f"{_label(run.hook)} done"


def _read(event: HookEvent, run: HookRun, verdict: Verdict) -> None:
    """Fold one handler's answer into the event's verdict (failed runs are ignored)."""
    if run.failure is not None:
        return
    if run.exit_code == 2:
        verdict.block_reason = verdict.block_reason or run.stderr.strip()
        return
    output = run.output
    if output is None:
        text = run.stdout.strip()
        if text and event in _CONTEXT_EVENTS:
            verdict.contexts.append(text)
        return
    if output.get("continue") is False:
        reason = output.get("stopReason")
        verdict.stop_reason = reason if isinstance(reason, str) and reason else f"stopped by a {event} hook"
    if output.get("decision") == "block":
        reason = output.get("reason")
        verdict.block_reason = verdict.block_reason or (reason if isinstance(reason, str) and reason else "")
    elif output.get("decision") == "approve" and event == "PreToolUse" and verdict.permission is None:
        verdict.permission = "allow"  # Claude Code's older spelling of `permissionDecision: "allow"`
    specific = output.get("hookSpecificOutput")
    if isinstance(specific, dict):
        _read_specific(event, cast(dict[str, Any], specific), verdict)
        decision = cast(dict[str, Any], specific).get("decision")
        if event == "PermissionRequest" and isinstance(decision, dict) and "updatedInput" in decision:
            verdict.notes.append(
                f"{_label(run.hook)} ({run.hook.key}) answered `updatedInput`, which pycodex does not apply to a "
                "PermissionRequest (rewrite the input in a PreToolUse hook instead); its decision stands"
            )


def _read_specific(event: HookEvent, specific: dict[str, Any], verdict: Verdict) -> None:
    context = specific.get("additionalContext")
    if isinstance(context, str) and context:
        verdict.contexts.append(context)
    if event == "PreToolUse":
        decision = specific.get("permissionDecision")
        reason = specific.get("permissionDecisionReason")
        if decision == "deny":
            verdict.block_reason = verdict.block_reason or (reason if isinstance(reason, str) and reason else "")
        elif decision in ("allow", "ask") and verdict.permission != "ask":
            verdict.permission = decision
        updated = specific.get("updatedInput")
        if isinstance(updated, dict):
            verdict.updated_input = cast(dict[str, Any], updated)
    elif event == "PermissionRequest":
        decision = specific.get("decision")
        if not isinstance(decision, dict):
            return
        chosen = cast(dict[str, Any], decision)
        behavior = chosen.get("behavior")
        if behavior == "deny" or (behavior == "allow" and verdict.permission != "deny"):
            verdict.permission = behavior
            message = chosen.get("message")
            verdict.permission_message = message if isinstance(message, str) and message else None
        if behavior == "deny" and chosen.get("interrupt") is True and verdict.stop_reason is None:
            verdict.stop_reason = verdict.permission_message or "a PermissionRequest hook denied and interrupted"
        updates = chosen.get("updatedPermissions")
        if behavior == "allow" and isinstance(updates, list):
            entries = cast(list[Any], updates)
            verdict.permission_updates.extend(cast(dict[str, Any], u) for u in entries if isinstance(u, dict))


def blocked_call_text(tool_name: str, reason: str, tool_input: Mapping[str, Any]) -> str:
    """What the model reads for a call a PreToolUse hook refused (Codex's wording)."""
    if tool_alias(tool_name)[0] in ("Bash", "apply_patch"):
        return f"Command blocked by PreToolUse hook: {reason}. Command: {tool_input.get('command', '')}"
    return f"Tool call blocked by PreToolUse hook: {reason}. Tool: {tool_name}"


def contexts_message(contexts: Sequence[str]) -> dict[str, Any]:
    """Hook context for the model, as one developer message."""
    return {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": text} for text in contexts],
    }


async def session_hooks(
    config: Config,
    *,
    session_id: str,
    shell: str,
    transcript_path: Callable[[], Path | None],
    report: Report,
    agent: tuple[str, str] | None = None,
) -> tuple[Hooks | None, list[str]]:
    """The session's hooks (None when none may run) and what to tell the user about the others. With the feature
    off (`features.codex_hooks = false`) no hook is read or run, managed ones included, as in Codex. `agent` is the
    id and type of the sub-agent whose session this is (None for a user's session)."""
    import anyio

    from ..config import system_config_dir
    from ._config import hook_files, load_hooks, trusted_hashes

    if config.toml.features.get("codex_hooks", True) is False:
        return None, []
    system_dir = system_config_dir()

    def load() -> HookSet:
        hashes = trusted_hashes(config.codex_home / "config.toml")
        folders = hook_files(config.codex_home, system_dir, config.project_codex_dirs)
        return load_hooks(
            folders, trusted_hashes=hashes, bypass_trust=config.bypass_hook_trust, managed_from=system_dir
        )

    found = await anyio.to_thread.run_sync(load)
    notes = list(found.warnings)
    if config.bypass_hook_trust:
        notes.insert(0, BYPASS_TRUST_NOTE)
    notes.extend(
        f"hook {hook.key} ({hook.event}: {hook.command}) is not trusted, so it will not run. Review it, then trust it "
        "with `pycodex hooks trust` (or run once with --dangerously-bypass-hook-trust)."
        for hook in found.untrusted
    )
    if not found.trusted:
        return None, notes
    hooks = Hooks(
        found,
        session_id=session_id,
        cwd=config.cwd,
        shell=shell,
        model=config.model,
        approval_policy=config.approval_policy,
        transcript_path=transcript_path,
        report=report,
        agent=agent,
    )
    return hooks, notes
