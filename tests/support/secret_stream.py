"""A secret that reaches a front door in pieces: a script that prints a key split across writes, a model message
that streams it in small deltas, and the checks that the pieces a client got, joined, never hold it."""

from __future__ import annotations

from pathlib import Path

SECRET = "sk-proj-" + "Zq7_Xw-3" * 6
"""An OpenAI project key (a pattern the redactor knows; 20 or more characters after `sk-proj-` are needed)."""

MESSAGE = f"Here it is: {SECRET} (keep it safe)."
"""The model's answer: the scripted model server streams it in 7-character deltas, so the key is split."""

REDACTED_MESSAGE = "Here it is: [REDACTED_SECRET] (keep it safe)."


def write_script(directory: Path) -> Path:
    """A shell script that prints a complete line, then the key in three writes a tenth of a second apart (each
    write reaches the reader as its own piece), then a last line."""
    head, middle, tail = SECRET[:14], SECRET[14:30], SECRET[30:]
    script = directory / "show_key.sh"
    script.write_text(
        f"printf 'start\\nthe key is %s' '{head}'\nsleep 0.1\nprintf %s '{middle}'\nsleep 0.1\n"
        f"printf '%s ok\\nend\\n' '{tail}'\n"
    )
    return script


OUTPUT_REDACTED = "start\nthe key is [REDACTED_SECRET] ok\nend\n"
"""What the script's output is, redacted."""
