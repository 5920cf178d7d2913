"""Random file trees and patches for the differential and property tests.

The generator deliberately produces patches that exercise every matching rule (whitespace and punctuation fuzz,
duplicate lines, end-of-file anchoring, pure additions, trailing blank context lines, moves, deletes, adds over
existing files) and a share of patches that must fail, so that Codex's applier and ours are compared on both.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

WORDS = ["alpha", "beta", "gamma", "delta", "return x", "}", "{", "pass", "x = 1", "def f():", "# note", "end"]
FANCY = {"-": "\u2014", '"': "\u201c", "'": "\u2019", " ": "\xa0"}
NAMES = ["a.txt", "b.txt", "dir/c.txt", "dir/sub/d.txt", "e.py"]


@dataclass
class Case:
    """A starting tree (path -> bytes, a path ending in '/' is an empty directory) and a patch text."""

    tree: dict[str, bytes]
    patch: str
    notes: list[str] = field(default_factory=list[str])


def _line(rng: random.Random) -> str:
    text = rng.choice(WORDS)
    roll = rng.random()
    if roll < 0.15:
        text = "    " + text
    elif roll < 0.2:
        text = text + "  "
    elif roll < 0.25:
        text = f'say "{text}" - it\'s'
    elif roll < 0.3:
        text = ""
    return text


def _fancy(text: str, rng: random.Random) -> str:
    return "".join(FANCY.get(char, char) if rng.random() < 0.5 else char for char in text)


def _file_lines(rng: random.Random) -> list[str]:
    count = rng.choice([0, 1, 2, 3, 5, 8, 12])
    lines = [_line(rng) for _ in range(count)]
    if rng.random() < 0.3:
        lines = [_fancy(line, rng) for line in lines]
    return lines


def _render_file(lines: list[str], rng: random.Random) -> bytes:
    roll = rng.random()
    ending = "\r\n" if roll < 0.15 else "\r" if roll < 0.18 else "\n"
    if rng.random() < 0.15:
        # Mixed terminators: each line keeps its own, inserted lines take the first one's.
        text = "".join(line + rng.choice(["\n", "\r\n", "\r"]) for line in lines)
    else:
        text = "".join(line + ending for line in lines)
    if lines and rng.random() < 0.2:
        text = text[: -len(ending)]
    if rng.random() < 0.1:
        text += ending
    return text.encode()


def _drift(text: str, rng: random.Random) -> str:
    """A version of a file line as a model might type it: usually exact, sometimes fuzzed, rarely wrong."""
    roll = rng.random()
    if roll < 0.7:
        return text
    if roll < 0.78:
        return text.rstrip() + rng.choice(["", " ", "\t"])
    if roll < 0.84:
        return "  " + text.strip()
    if roll < 0.9:
        return text.translate(str.maketrans({v: k for k, v in FANCY.items()}))
    if roll < 0.95:
        return text + " typo"
    return _fancy(text, rng)


def _chunks(lines: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    cursor = 0
    for index in range(rng.choice([1, 1, 2, 3])):
        if rng.random() < 0.12 or not lines:
            if index == 0 or rng.random() < 0.5:
                out.append("@@")
            elif rng.random() < 0.5:
                out.append("@@ " + _drift(rng.choice(lines) if lines else "x", rng))
            else:
                out.append("@@")
            out.extend("+" + _line(rng) for _ in range(rng.randint(1, 2)))
            continue
        if cursor >= len(lines):
            break
        start = rng.randint(cursor, len(lines) - 1)
        length = rng.randint(0 if start + 1 < len(lines) else 1, min(3, len(lines) - start))
        before = rng.randint(0, min(2, start - cursor))
        after = rng.randint(0, min(2, len(lines) - start - length))
        header = ""
        if rng.random() < 0.25 and start - before - 1 >= cursor:
            header = "@@ " + _drift(lines[start - before - 1], rng)
        elif index > 0 or rng.random() < 0.8:
            header = "@@"
        if header:
            out.append(header)
        body: list[str] = [" " + _drift(line, rng) for line in lines[start - before : start]]
        body.extend("-" + _drift(line, rng) for line in lines[start : start + length])
        body.extend("+" + _line(rng) for _ in range(rng.choice([0, 1, 1, 2])))
        body.extend(" " + _drift(line, rng) for line in lines[start + length : start + length + after])
        if rng.random() < 0.1:
            body.append("")
        if not any(line[:1] in ("-", " ", "") for line in body) and not body:
            body.append("+x")
        if not body:
            body.append("+x")
        out.extend(body)
        at_end = start + length + after == len(lines)
        if rng.random() < (0.5 if at_end else 0.05):
            out.append("*** End of File")
        cursor = start + length + after
    return out


def generate(rng: random.Random) -> Case:
    """One random case."""
    tree: dict[str, bytes] = {}
    contents: dict[str, list[str]] = {}
    for name in rng.sample(NAMES, rng.randint(1, 4)):
        lines = _file_lines(rng)
        contents[name] = lines
        tree[name] = _render_file(lines, rng)
    if rng.random() < 0.1:
        tree["emptydir/"] = b""
    if rng.random() < 0.05:
        tree["bin.dat"] = b"\xff\xfeok\n"
    body: list[str] = []
    notes: list[str] = []
    existing = list(contents)
    for _ in range(rng.choice([1, 1, 2, 3, 4])):
        roll = rng.random()
        if roll < 0.55 and existing:
            name = rng.choice(existing)
            body.append(f"*** Update File: {name}")
            if rng.random() < 0.15:
                target = rng.choice([n for n in [*NAMES, "moved/new.txt", "m.txt"] if n != name])
                body.append(f"*** Move to: {target}")
            body.extend(_chunks(contents[name], rng))
        elif roll < 0.65:
            body.append(f"*** Update File: {rng.choice(['missing.txt', 'emptydir', 'bin.dat'])}")
            body.extend(["@@", "-x", "+y"])
        elif roll < 0.8:
            name = rng.choice([*NAMES, "new/deep/f.txt", "n.txt", "n.txt", "emptydir", "a.txt/below.txt"])
            body.append(f"*** Add File: {name}")
            body.extend("+" + _line(rng) for _ in range(rng.choice([0, 1, 2, 3])))
        elif roll < 0.92:
            name = rng.choice([*existing, "missing.txt", "emptydir"]) if existing else "missing.txt"
            body.append(f"*** Delete File: {name}")
        else:
            body.append(rng.choice(["*** Frobnicate File: a.txt", "*** Update File: a.txt", "@@ stray"]))
        if rng.random() < 0.05:
            body.append("")
    if rng.random() < 0.02:
        body = []
    elif rng.random() < 0.3:
        body = _mutate(body, rng)
    patch = "\n".join(["*** Begin Patch", *body, "*** End Patch"])
    roll = rng.random()
    if roll < 0.05:
        patch = "<<'EOF'\n" + patch + "\nEOF\n"
    elif roll < 0.1:
        patch = patch.replace("\n", "\r\n")
    elif roll < 0.15:
        patch = "  " + patch.replace("*** End Patch", "*** End Patch  ") + "\n\n"
    return Case(tree, patch, notes)


_PATH_SPELLINGS = {"a.txt": ["./a.txt", "dir/../a.txt"], "dir/c.txt": ["dir//c.txt", "./dir/./c.txt"]}


def _mutate(body: list[str], rng: random.Random) -> list[str]:
    """Lenient-parser territory: odd spacing, stray markers, unusual path spellings."""
    out = list(body)
    index = rng.randrange(len(out)) if out else 0
    roll = rng.random()
    if roll < 0.12:
        out.insert(index, "*** End of File")
    elif roll < 0.24:
        out = [line + rng.choice([" ", "\t"]) if line.startswith("@@") else line for line in out]
    elif roll < 0.32:
        out.insert(index, "  @@")
    elif roll < 0.4:
        out.insert(index, "@@ alpha")
        out.insert(index, "@@ beta")
    elif roll < 0.48:
        out.insert(index, rng.choice(["   ", "", "\t"]))
    elif roll < 0.56:
        out.insert(index, "*** End Patch")
        if rng.random() < 0.5:
            out.insert(index + 1, "")
    elif roll < 0.7:
        for position, line in enumerate(out):
            for marker in ("*** Update File: ", "*** Delete File: ", "*** Add File: ", "*** Move to: "):
                name = line[len(marker) :]
                if line.startswith(marker) and name in _PATH_SPELLINGS:
                    out[position] = marker + rng.choice(_PATH_SPELLINGS[name])
    elif roll < 0.8:
        out = [("  " + line if line.startswith("*** ") and rng.random() < 0.5 else line) for line in out]
    elif roll < 0.9:
        out = [line.replace(" ", "  ", 1) if line.startswith("*** Move to:") else line for line in out]
    else:
        out.insert(index, rng.choice(["-", "+", " ", "-  ", "@@", "*** Frob"]))
    return out
