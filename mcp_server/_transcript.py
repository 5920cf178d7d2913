"""A thread's transcript and diff, kept from its events, for the `pycodex://threads/{id}/…` resources."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent import protocol as p

from ._progress import command_text

_OUTPUT_LIMIT = 4000


@dataclass
class Transcript:
    """What happened in a thread, in order, as Markdown; and the diff each turn left."""

    thread_id: str
    _parts: list[str] = field(default_factory=lambda: [])
    _diffs: dict[str, str] = field(default_factory=lambda: {})
    _turns: int = 0

    def add(self, turn_id: str, msg: p.EventMsg) -> tuple[str, ...]:
        """Record one event; returns which documents changed ("transcript", "diff"), usually none."""
        match msg:
            case p.TaskStarted():
                self._turns += 1
                self._parts.append(f"## Turn {self._turns}\n")
            case p.UserMessage(message=text):
                self._parts.append(f"**User:**\n\n{text}\n")
            case p.AgentMessage(message=text):
                self._parts.append(f"**Agent:**\n\n{text}\n")
            case p.ExecCommandEnd(command=command, exit_code=code, aggregated_output=output):
                shown = output if len(output) <= _OUTPUT_LIMIT else output[:_OUTPUT_LIMIT] + "\n… (truncated)"
                self._parts.append(f"**Command** `{command_text(command)}` (exit {code}):\n\n```\n{shown}\n```\n")
            case p.PatchApplyEnd(success=ok, stdout=out, stderr=err):
                self._parts.append(f"**Patch** {'applied' if ok else 'failed'}:\n\n```\n{(out or err).strip()}\n```\n")
            case p.TurnDiff(unified_diff=diff):
                self._diffs[turn_id] = diff
                return ("diff",)
            case p.Error(message=text):
                self._parts.append(f"**Error:** {text}\n")
            case p.TurnAborted():
                self._parts.append("**Turn interrupted.**\n")
            case _:
                return ()
        return ("transcript",)

    def markdown(self) -> str:
        """The transcript so far."""
        return f"# Thread {self.thread_id}\n\n" + "\n".join(self._parts)

    def diff(self) -> str:
        """Every turn's diff in turn order (a thread whose turns changed nothing has an empty diff)."""
        return "".join(d if d.endswith("\n") or not d else d + "\n" for d in self._diffs.values())
