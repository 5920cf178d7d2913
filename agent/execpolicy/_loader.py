"""Finding and reading rules files: `$CODEX_HOME/rules/*.rules`, a project's `.codex/rules/`, single files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ._parser import PolicyParser
from ._policy import Policy
from .errors import PolicyReadError

RULES_DIR_NAME = "rules"
RULES_SUFFIX = ".rules"
DEFAULT_RULES_FILE = "default.rules"


def default_rules_path(codex_home: Path) -> Path:
    """Where "approve & remember" writes: `$CODEX_HOME/rules/default.rules`."""
    return codex_home / RULES_DIR_NAME / DEFAULT_RULES_FILE


def rules_files(directory: Path) -> list[Path]:
    """The `*.rules` regular files directly inside `directory`, sorted by name; none if it does not exist.

    Raises:
        PolicyReadError: the directory exists but cannot be listed.
    """
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    except OSError as error:
        raise PolicyReadError(str(directory), _os_reason(error), errno=error.errno) from None
    found = [Path(entry.path) for entry in entries if entry.name.endswith(RULES_SUFFIX) and entry.is_file()]
    return sorted(found)


def load_policy(paths: Iterable[Path]) -> Policy:
    """Load every rule from `paths`, lowest precedence first, into one policy.

    A directory contributes its `*.rules` files (sorted by name). A file is read as is. A path that does not exist
    is skipped (a `rules/` directory nobody created yet), unless it ends in `.rules`: a missing rules file that was
    named explicitly is an error.

    Raises:
        PolicyReadError: a file cannot be read or is not UTF-8.
        PolicyParseError: a file is not a valid policy; `path` names it.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(rules_files(path))
        elif path.exists() or path.name.endswith(RULES_SUFFIX):
            files.append(path)
    return load_policy_files([str(file) for file in files])


def load_policy_files(files: Iterable[str]) -> Policy:
    """Parse these files in order (the `execpolicy check -r` case); errors name each file as it was given.

    Raises:
        PolicyReadError: a file cannot be read or is not UTF-8.
        PolicyParseError: a file is not a valid policy.
    """
    parser = PolicyParser()
    for file in files:
        parser.parse(file, read_rules_file(file))
    return parser.build()


def read_rules_file(file: str) -> str:
    """The text of one rules file.

    Raises:
        PolicyReadError: with the OS reason worded like Codex's (`No such file or directory (os error 2)`).
    """
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise PolicyReadError(file, _os_reason(error), errno=error.errno) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyReadError(file, "the file is not valid UTF-8") from None


def _os_reason(error: OSError) -> str:
    """Worded like Rust's `io::Error`: `No such file or directory (os error 2)`."""
    return f"{error.strerror} (os error {error.errno})"
