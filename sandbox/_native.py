"""The sandbox helper as a native program (`_helper.c`), built once per machine when a C compiler is available.

Every confined command starts the helper (`_landlock`'s `main`) inside bubblewrap; as a Python script that costs an
interpreter's start-up per command, most of a tool round trip. The C port does the same steps with the same options
and messages in a fraction of a millisecond. It is compiled on first use with `$CC`, `cc`, `gcc` or `clang`, checked
by running it once, and kept beside the package (`__pycache__`) or, where that is not writable, under
`$XDG_CACHE_HOME/pycodex` (~/.cache/pycodex): the file name carries a digest of the source and the machine, so a
new version builds its own. Without a compiler, or when the build fails, the Python helper is used as before.
`PYCODEX_SANDBOX_HELPER=python` forces the Python helper.

A helper lying under a directory the sandboxed command may write could be replaced by that command and would then
confine the next one; `helper_argv` falls back to the Python helper for such a plan.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("_helper.c")
PYTHON_HELPER = str(Path(__file__).with_name("_landlock.py"))
_BUILD_TIMEOUT = 60


def helper_argv(writable: Sequence[Path] = ()) -> list[str]:
    """How to run the helper: the native program, unless it is missing or lies under one of `writable`."""
    native = native_helper()
    if native is not None and not any(_beneath(native, root) for root in writable):
        return [native]
    return [sys.executable, "-I", "-S", PYTHON_HELPER]


def _beneath(path: str, root: Path) -> bool:
    return Path(path).is_relative_to(os.path.realpath(root))


@functools.cache
def native_helper() -> str | None:
    """The path of the built helper (building it now if needed), or None when it cannot be had here."""
    if os.environ.get("PYCODEX_SANDBOX_HELPER") == "python" or not sys.platform.startswith("linux"):
        return None
    try:
        source = SOURCE.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(source + platform.machine().encode()).hexdigest()[:16]
    name = f"pycodex-sandbox-helper-{digest}"
    places = [Path(__file__).with_name("__pycache__"), _user_cache()]
    for place in places:
        if _trusted(place / name):
            return str(place / name)
    compiler = _compiler()
    if compiler is None:
        logger.info("no C compiler found: the sandbox helper runs as a Python script")
        return None
    for place in places:
        built = _build(compiler, place, name)
        if built is not None:
            return built
    return None


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pycodex"


def _compiler() -> str | None:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate:
            found = shutil.which(candidate)
            if found is not None:
                return found
    return None


def _trusted(path: Path) -> bool:
    """Whether `path` is a helper we built: a regular executable file of ours that nobody else may write."""
    try:
        info = os.lstat(path)
        folder = os.stat(path.parent)
    except OSError:
        return False
    ours = info.st_uid == os.getuid() and folder.st_uid == os.getuid()
    private = not (info.st_mode | folder.st_mode) & (stat.S_IWGRP | stat.S_IWOTH)
    return stat.S_ISREG(info.st_mode) and ours and private and bool(info.st_mode & stat.S_IXUSR)


def _build(compiler: str, place: Path, name: str) -> str | None:
    """Compile into `place` (created if missing, writable only by us), check the result, and move it into place
    atomically."""
    try:
        place.mkdir(mode=0o755, parents=True, exist_ok=True)  # as Python makes __pycache__: only we may write
    except OSError:
        return None
    partial = place / f".{name}.{os.getpid()}.tmp"
    try:
        result = subprocess.run(
            [compiler, "-O2", "-o", str(partial), str(SOURCE)],
            capture_output=True,
            timeout=_BUILD_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            logger.info("building the sandbox helper failed: %s", result.stderr.decode(errors="replace")[-500:])
            return None
        os.chmod(partial, 0o755)  # anyone may run it; only its owner may replace it
        check = subprocess.run(
            [str(partial), "--no-landlock", "--", "true"], capture_output=True, timeout=_BUILD_TIMEOUT, check=False
        )
        if check.returncode != 0:
            logger.info("the built sandbox helper does not run: %s", check.stderr.decode(errors="replace")[-500:])
            return None
        os.replace(partial, place / name)
    except (OSError, subprocess.SubprocessError) as exc:
        logger.info("building the sandbox helper failed: %s", exc)
        return None
    finally:
        partial.unlink(missing_ok=True)
    final = place / name
    return str(final) if _trusted(final) else None
