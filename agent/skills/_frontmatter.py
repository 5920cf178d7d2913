"""YAML frontmatter: the block between two `---` lines at the top of a Markdown file.

The subset of YAML that frontmatter uses in practice, read without a YAML library: block mappings and sequences by
indentation, plain, single- and double-quoted scalars (a plain scalar may continue on more-indented lines), literal
(`|`) and folded (`>`) block scalars with `-`/`+` chomping, flow sequences of scalars (`[a, "b"]`), `{}`, and
comments. Scalars stay strings (`null`, `~` and an empty value are None). Anything else is a `FrontmatterError`
that names the line in the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_KEY = re.compile(r"""^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#:\-?][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s+|$)""")


class FrontmatterError(ValueError):
    """The frontmatter is missing or not the YAML this reader knows; `line` is 1-based in the whole file."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.reason = message
        self.line = line


@dataclass(frozen=True)
class _Line:
    number: int
    indent: int
    text: str


def split_frontmatter(content: str) -> tuple[str, int, str]:
    """`(yaml text, line number of its first line, body)`; raises when the file does not open with `---`."""
    lines = content.removeprefix("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise FrontmatterError("missing YAML frontmatter delimited by --- (the file must start with a --- line)")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return "".join(lines[1:index]), 2, "".join(lines[index + 1 :])
    raise FrontmatterError("the YAML frontmatter is not closed by a --- line")


def parse_frontmatter(content: str) -> tuple[dict[str, Any], str]:
    """The frontmatter of a Markdown file as a mapping, and the body after it."""
    text, first, body = split_frontmatter(content)
    value = parse_yaml(text, first_line=first)
    if value is None:
        return {}, body
    if not isinstance(value, dict):
        raise FrontmatterError("the frontmatter must be a mapping of keys to values", first)
    return value, body  # pyright: ignore[reportUnknownVariableType]


def parse_yaml(text: str, *, first_line: int = 1) -> Any:
    """Parse the YAML subset described in the module docstring."""
    lines: list[_Line] = []
    for offset, raw in enumerate(text.splitlines()):
        number = first_line + offset
        stripped = raw.lstrip(" ")
        if stripped.startswith("\t") and stripped.strip():
            raise FrontmatterError("tabs cannot indent YAML; use spaces", number)
        lines.append(_Line(number, len(raw) - len(stripped), raw.rstrip()))
    reader = _Reader(lines)
    reader.skip_blank()
    if reader.done():
        return None
    value = reader.block(reader.peek().indent)
    reader.skip_blank()
    if not reader.done():
        line = reader.peek()
        raise FrontmatterError(f"unexpected text {line.text.strip()!r} (check the indentation)", line.number)
    return value


def _is_blank(line: _Line) -> bool:
    content = line.text.strip()
    return not content or content.startswith("#")


class _Reader:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.index = 0

    def done(self) -> bool:
        return self.index >= len(self.lines)

    def peek(self) -> _Line:
        return self.lines[self.index]

    def skip_blank(self) -> None:
        while not self.done() and _is_blank(self.peek()):
            self.index += 1

    def block(self, indent: int) -> Any:
        line = self.peek()
        content = line.text.strip()
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            self.skip_blank()
            if self.done() or self.peek().indent < indent:
                return result
            line = self.peek()
            if line.indent > indent:
                raise FrontmatterError("this line is indented more than the key above it", line.number)
            content = line.text[indent:]
            match = _KEY.match(content)
            if match is None:
                raise FrontmatterError(f"expected `key: value`, found {content.strip()!r}", line.number)
            key = _key_of(match)
            if key in result:
                raise FrontmatterError(f"the key {key!r} appears twice", line.number)
            self.index += 1
            result[key] = self.value(content[match.end() :], indent, line.number)

    def sequence(self, indent: int) -> list[Any]:
        result: list[Any] = []
        while True:
            self.skip_blank()
            if self.done() or self.peek().indent < indent:
                return result
            line = self.peek()
            content = line.text[indent:]
            if line.indent > indent or not (content == "-" or content.startswith("- ")):
                raise FrontmatterError(f"expected a `- item` of the list, found {content.strip()!r}", line.number)
            rest = content[1:].lstrip(" ")
            if rest and _KEY.match(rest):
                # `- key: value` opens a mapping whose keys line up with `key`.
                inner = indent + (len(content) - len(rest))
                self.lines[self.index] = _Line(line.number, inner, " " * inner + rest)
                result.append(self.mapping(inner))
                continue
            self.index += 1
            result.append(self.value(rest, indent, line.number))

    def value(self, rest: str, indent: int, number: int) -> Any:
        """The value after `key:` or `- ` (`rest`), reading more lines when it continues below."""
        rest = _strip_comment(rest).strip()
        if rest in ("|", ">") or re.fullmatch(r"[|>][+-]?\d?|[|>]\d[+-]", rest):
            return self.block_scalar(rest, indent)
        if not rest:
            self.skip_blank()
            if not self.done() and self.peek().indent > indent:
                return self.block(self.peek().indent)
            if not self.done() and self.peek().indent == indent and self.peek().text.strip().startswith("- "):
                return self.sequence(indent)
            return None
        if rest[0] in "\"'":
            return self.quoted(rest, number)
        if rest.startswith("["):
            return _flow_sequence(rest, number)
        if rest.startswith("{"):
            if rest.replace(" ", "") == "{}":
                return {}
            raise FrontmatterError(
                "flow mappings ({...}) are not supported here; write the keys on their own lines", number
            )
        parts = [rest]
        while not self.done() and not _is_blank(self.peek()) and self.peek().indent > indent:
            more = _strip_comment(self.peek().text).strip()
            if _KEY.match(more):
                raise FrontmatterError("this line is indented more than the key above it", self.peek().number)
            parts.append(more)
            self.index += 1
        text = " ".join(parts)
        return None if text in ("null", "~", "Null", "NULL") else text

    def quoted(self, rest: str, number: int) -> str:
        quote = rest[0]
        text = rest
        while not _closed(text, quote):
            if self.done():
                raise FrontmatterError(f"the {quote} quote opened here is never closed", number)
            text += "\n" + self.peek().text.strip()
            self.index += 1
        end = _closing_index(text, quote)
        trailing = _strip_comment(text[end + 1 :]).strip()
        if trailing:
            raise FrontmatterError(f"unexpected text after the quoted value: {trailing!r}", number)
        inner = re.sub(r"[ \t]*\n[ \t]*", " ", text[1:end])
        if quote == "'":
            return inner.replace("''", "'")
        try:
            return json.loads('"' + inner.replace("\t", "\\t") + '"')
        except json.JSONDecodeError:
            raise FrontmatterError("a double-quoted value has an escape this reader does not know", number) from None

    def block_scalar(self, header: str, indent: int) -> str:
        style, chomp = header[0], ("-" if "-" in header else "+" if "+" in header else "")
        body: list[str] = []
        block_indent: int | None = None
        while not self.done():
            line = self.peek()
            if line.text.strip():
                if line.indent <= indent:
                    break
                if block_indent is None:
                    block_indent = line.indent
                if line.indent < block_indent:
                    break
                body.append(line.text[block_indent:])
            else:
                body.append("")
            self.index += 1
        while body and not body[-1] and chomp != "+":
            body.pop()
        if style == "|":
            text = "\n".join(body)
        else:
            text = re.sub(r"(?<!\n)\n(?!\n)", " ", "\n".join(body)).replace("\n\n", "\n")
        return text if chomp == "-" or not text else text + "\n"


def _key_of(match: re.Match[str]) -> str:
    double, single, plain = match.groups()
    if double is not None:
        return json.loads(f'"{double}"')
    if single is not None:
        return single.replace("''", "'")
    return plain.strip()


def _strip_comment(text: str) -> str:
    """`text` without a trailing ` # comment` (outside quotes)."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and (index == 0 or text[index - 1] in " [,"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] == " "):
            return text[:index]
    return text


def _closing_index(text: str, quote: str) -> int:
    index = 1
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and text[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    return -1


def _closed(text: str, quote: str) -> bool:
    return _closing_index(text, quote) != -1


def _flow_sequence(rest: str, number: int) -> list[Any]:
    text = _strip_comment(rest).strip()
    if not text.endswith("]"):
        raise FrontmatterError("a [ list must close with ] on the same line", number)
    items: list[Any] = []
    current = ""
    quote = ""
    for char in text[1:-1]:
        if quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
            current += char
        elif char == ",":
            items.append(current)
            current = ""
        elif char in "[]{}":
            raise FrontmatterError("nested [ ] or { } inside a [ list are not supported here", number)
        else:
            current += char
    if current.strip() or items:
        items.append(current)
    values: list[Any] = []
    for item in items:
        item = item.strip()
        if not item:
            raise FrontmatterError("an empty item in a [ list", number)
        values.append(_Reader([]).quoted(item, number) if item[0] in "\"'" else item)
    return values
