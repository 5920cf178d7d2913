"""Turning rules files into a `Policy`: the Starlark builtins, their argument checks, and example validation."""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import cast

from ._decision import Decision
from ._policy import Policy, normalize_absolute_path
from ._rules import (
    NetworkProtocol,
    NetworkRule,
    PatternToken,
    PrefixPattern,
    PrefixRule,
    PrefixRuleMatch,
    normalize_network_host,
)
from ._starlark import BuiltinError, EvalFailure, evaluate
from ._words import debug_str_list, split_words, try_join
from .errors import ParseErrorCode, PolicyParseError

_PREFIX_RULE_PARAMS = ("pattern", "decision", "match", "not_match", "justification", "canonical_matching")
_HOST_EXECUTABLE_PARAMS = ("name", "paths")
_NETWORK_RULE_PARAMS = ("host", "protocol", "decision", "justification")


@dataclass(slots=True)
class _PendingExamples:
    """The examples of one `prefix_rule` call, checked once its file has been evaluated."""

    call_index: int
    rules: tuple[PrefixRule, ...]
    matches: tuple[tuple[str, ...], ...]
    not_matches: tuple[tuple[str, ...], ...]


@dataclass(slots=True)
class _FileState:
    """What one `parse` call has added so far (rolled back if the file turns out to be invalid)."""

    rules: list[PrefixRule] = field(default_factory=lambda: [])
    host_executables: dict[str, tuple[str, ...]] = field(default_factory=lambda: {})
    network_rules: list[NetworkRule] = field(default_factory=lambda: [])
    pending: list[_PendingExamples] = field(default_factory=lambda: [])
    prefix_rule_calls: int = 0
    builtin_failed: bool = False


class PolicyParser:
    """Accumulates rules from several files, in order, into one `Policy`.

    Example:
        parser = PolicyParser()
        parser.parse("default.rules", 'prefix_rule(pattern=["git", "status"])')
        policy = parser.build()
    """

    def __init__(self) -> None:
        self._rules: list[PrefixRule] = []
        self._host_executables: dict[str, tuple[str, ...]] = {}
        self._network_rules: list[NetworkRule] = []

    def parse(self, identifier: str, source: str) -> None:
        """Evaluate one rules file and check its `match` / `not_match` examples.

        `identifier` names the file in error messages (usually its path). On error nothing from this file is kept.

        Raises:
            PolicyParseError: Starlark syntax or runtime error, a bad builtin argument, or a failing example.
        """
        state = _FileState()
        try:
            evaluate(identifier, source, _builtins(state))
        except EvalFailure as failure:
            raise _parse_error(identifier, failure, builtin_failed=state.builtin_failed) from None
        host_executables = {**self._host_executables, **state.host_executables}
        for pending in state.pending:
            error = _check_examples(identifier, pending, host_executables)
            if error is not None:
                error.line, error.column = _locate_prefix_rule_call(identifier, source, pending.call_index)
                raise error
        self._rules.extend(state.rules)
        self._host_executables = host_executables
        self._network_rules.extend(state.network_rules)

    def build(self) -> Policy:
        """The policy made of every file parsed so far."""
        return Policy(self._rules, host_executables=self._host_executables, network_rules=self._network_rules)


def parse_policy(source: str, identifier: str = "<rules>") -> Policy:
    """Parse one rules file's text into a policy (a shortcut for `PolicyParser`)."""
    parser = PolicyParser()
    parser.parse(identifier, source)
    return parser.build()


def _parse_error(identifier: str, failure: EvalFailure, *, builtin_failed: bool) -> PolicyParseError:
    code: ParseErrorCode
    if failure.stage == "parse":
        code = "syntax"
    elif builtin_failed:
        code = "invalid-rule"
    else:
        code = "evaluation"
    return PolicyParseError(
        identifier,
        code=code,
        reason=f"starlark error: {failure.text}",
        message=failure.headline,
        line=failure.line,
        column=failure.column,
    )


def _builtins(state: _FileState) -> dict[str, Callable[..., None]]:
    def prefix_rule(*args: object, **kwargs: object) -> None:
        state.prefix_rule_calls += 1
        with _recording(state):
            _prefix_rule(state, _bind("prefix_rule", _PREFIX_RULE_PARAMS, 1, args, kwargs))

    def host_executable(*args: object, **kwargs: object) -> None:
        with _recording(state):
            _host_executable(state, _bind("host_executable", _HOST_EXECUTABLE_PARAMS, 2, args, kwargs))

    def network_rule(*args: object, **kwargs: object) -> None:
        with _recording(state):
            _network_rule(state, _bind("network_rule", _NETWORK_RULE_PARAMS, 3, args, kwargs))

    return {"prefix_rule": prefix_rule, "host_executable": host_executable, "network_rule": network_rule}


@contextlib.contextmanager
def _recording(state: _FileState) -> Generator[None]:
    """Remember that a builtin rejected its arguments, to classify the Starlark error that follows."""
    try:
        yield
    except BuiltinError:
        state.builtin_failed = True
        raise


def _prefix_rule(state: _FileState, arguments: dict[str, object]) -> None:
    pattern = _list_argument("prefix_rule", "pattern", arguments["pattern"])
    raw_decision = _optional_str("prefix_rule", "decision", arguments.get("decision"))
    match = _optional_list("prefix_rule", "match", arguments.get("match"))
    not_match = _optional_list("prefix_rule", "not_match", arguments.get("not_match"))
    justification = _optional_str("prefix_rule", "justification", arguments.get("justification"))
    canonical = arguments.get("canonical_matching", False)
    if not isinstance(canonical, bool):
        raise BuiltinError(f"prefix_rule(): `canonical_matching` must be a bool, not {_type_name(canonical)}")

    decision = _decision(raw_decision) if raw_decision is not None else Decision.ALLOW
    if justification is not None and not justification.strip():
        raise BuiltinError("invalid rule: justification cannot be empty")
    tokens = _pattern_tokens(pattern)
    matches = tuple(_example(value) for value in match or ())
    not_matches = tuple(_example(value) for value in not_match or ())

    first, rest = tokens[0], tokens[1:]
    rules = tuple(
        PrefixRule(PrefixPattern(head, rest, canonical_matching=canonical), decision, justification) for head in first
    )
    state.pending.append(_PendingExamples(state.prefix_rule_calls - 1, rules, matches, not_matches))
    state.rules.extend(rules)


def _pattern_tokens(pattern: list[object]) -> tuple[PatternToken, ...]:
    tokens: list[PatternToken] = []
    for element in pattern:
        if isinstance(element, str):
            tokens.append((element,))
        elif (element_list := _as_list(element)) is not None:
            alternatives: list[str] = []
            for alternative in element_list:
                if not isinstance(alternative, str):
                    raise BuiltinError(
                        f"invalid pattern element: pattern alternative must be a string (got {_type_name(alternative)})"
                    )
                alternatives.append(alternative)
            if not alternatives:
                raise BuiltinError("invalid pattern element: pattern alternatives cannot be empty")
            tokens.append(tuple(alternatives))
        else:
            raise BuiltinError(
                "invalid pattern element: pattern element must be a string or list of strings "
                f"(got {_type_name(element)})"
            )
    if not tokens:
        raise BuiltinError("invalid pattern element: pattern cannot be empty")
    return tuple(tokens)


def _example(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        split = split_words(value)
        if split is None:
            raise BuiltinError("invalid example: example string has invalid shell syntax")
        if not split:
            raise BuiltinError("invalid example: example cannot be an empty string")
        return tuple(split)
    if (tokens := _as_list(value)) is not None:
        words: list[str] = []
        for token in tokens:
            if not isinstance(token, str):
                raise BuiltinError(
                    f"invalid example: every token of an example must be a string (got {_type_name(token)})"
                )
            words.append(token)
        if not words:
            raise BuiltinError("invalid example: example cannot be an empty list")
        return tuple(words)
    raise BuiltinError(f"invalid example: an example is a string or a list of strings (got {_type_name(value)})")


def _host_executable(state: _FileState, arguments: dict[str, object]) -> None:
    name = _str_argument("host_executable", "name", arguments["name"])
    raw_paths = _list_argument("host_executable", "paths", arguments["paths"])
    if not name:
        raise BuiltinError("invalid rule: host_executable needs a non-empty name")
    if "/" in name or name in (".", ".."):
        raise BuiltinError(
            f"invalid rule: host_executable name must be a bare program name, without a directory (got {name})"
        )
    paths: list[str] = []
    for raw in raw_paths:
        if not isinstance(raw, str):
            raise BuiltinError(f"invalid rule: host_executable paths must be strings (got {_type_name(raw)})")
        if not raw.startswith("/"):
            raise BuiltinError(f"invalid rule: host_executable path {raw} is not absolute")
        path = normalize_absolute_path(raw)
        if posixpath.basename(path) != name:
            raise BuiltinError(f"invalid rule: host_executable path {raw} does not end in `{name}`")
        if path not in paths:
            paths.append(path)
    state.host_executables[name] = tuple(paths)


def _network_rule(state: _FileState, arguments: dict[str, object]) -> None:
    host = _str_argument("network_rule", "host", arguments["host"])
    raw_protocol = _str_argument("network_rule", "protocol", arguments["protocol"])
    raw_decision = _str_argument("network_rule", "decision", arguments["decision"])
    justification = _optional_str("network_rule", "justification", arguments.get("justification"))
    try:
        protocol = NetworkProtocol.parse(raw_protocol)
    except ValueError as error:
        raise BuiltinError(str(error)) from None
    decision = Decision.FORBIDDEN if raw_decision == "deny" else _decision(raw_decision)
    if justification is not None and not justification.strip():
        raise BuiltinError("invalid rule: justification cannot be empty")
    try:
        normalized = normalize_network_host(host)
    except ValueError as error:
        raise BuiltinError(str(error)) from None
    state.network_rules.append(NetworkRule(normalized, protocol, decision, justification))


def _check_examples(
    identifier: str, pending: _PendingExamples, host_executables: dict[str, tuple[str, ...]]
) -> PolicyParseError | None:
    """Check one call's examples against a policy made of that call's rules only."""
    policy = Policy(pending.rules, host_executables=host_executables)
    for example in pending.not_matches:
        matches = policy.matches_for_command(example, resolve_host_executables=True)
        if matches:
            rendered = _render_example(example)
            first = matches[0]
            debug = first.debug() if isinstance(first, PrefixRuleMatch) else repr(first)
            return PolicyParseError(
                identifier,
                code="example-did-match",
                reason=f"expected example to not match rule `{debug}`: {rendered}",
                examples=(rendered,),
            )
    unmatched = tuple(
        _render_example(example)
        for example in pending.matches
        if not policy.matches_for_command(example, resolve_host_executables=True)
    )
    if unmatched:
        rules = debug_str_list(rule.debug() for rule in pending.rules)
        return PolicyParseError(
            identifier,
            code="example-did-not-match",
            reason=(
                f"expected every example to match at least one rule. rules: {rules}; "
                f"unmatched examples: {debug_str_list(unmatched)}"
            ),
            examples=unmatched,
        )
    return None


def _render_example(example: Sequence[str]) -> str:
    rendered = try_join(example)
    return rendered if rendered is not None else " ".join(example)


def _locate_prefix_rule_call(identifier: str, source: str, call_index: int) -> tuple[int | None, int | None]:
    """Line and column of the `call_index`-th prefix_rule call (0-based) in `source`.

    Builtins cannot see their call site, so the (side-effect free) file is evaluated again with a prefix_rule
    that raises at that call; Starlark's error then points at it.
    """
    calls = 0

    def prefix_rule(*args: object, **kwargs: object) -> None:
        nonlocal calls
        if calls == call_index:
            raise BuiltinError("located")
        calls += 1

    def ignore(*args: object, **kwargs: object) -> None:
        del args, kwargs

    try:
        evaluate(identifier, source, {"prefix_rule": prefix_rule, "host_executable": ignore, "network_rule": ignore})
    except EvalFailure as failure:
        return failure.line, failure.column
    return None, None  # pragma: no cover - the first evaluation reached this call, so this one does too


def _bind(
    function: str, params: tuple[str, ...], required: int, args: tuple[object, ...], kwargs: dict[str, object]
) -> dict[str, object]:
    """Bind a builtin's arguments like Starlark would, with messages that say which call was wrong."""
    if len(args) > len(params):
        raise BuiltinError(f"{function}() takes at most {len(params)} positional arguments but got {len(args)}")
    bound = dict(zip(params, args, strict=False))
    unknown = [name for name in kwargs if name not in params]
    if unknown:
        names = ", ".join(f"`{name}`" for name in unknown)
        raise BuiltinError(f"{function}() has no parameter named {names} (it takes {', '.join(params)})")
    for name, value in kwargs.items():
        if name in bound:
            raise BuiltinError(f"{function}() got `{name}` both by position and by name")
        bound[name] = value
    for name in params[:required]:
        if name not in bound:
            raise BuiltinError(f"{function}() is missing its `{name}` argument")
    return bound


def _decision(raw: str) -> Decision:
    try:
        return Decision.parse(raw)
    except ValueError as error:
        raise BuiltinError(str(error)) from None


def _str_argument(function: str, param: str, value: object) -> str:
    if not isinstance(value, str):
        raise BuiltinError(f"{function}(): `{param}` must be a string, not {_type_name(value)} ({_repr(value)})")
    return value


def _optional_str(function: str, param: str, value: object) -> str | None:
    return None if value is None else _str_argument(function, param, value)


def _list_argument(function: str, param: str, value: object) -> list[object]:
    items = _as_list(value)
    if items is None:
        raise BuiltinError(f"{function}(): `{param}` must be a list, not {_type_name(value)} ({_repr(value)})")
    return items


def _optional_list(function: str, param: str, value: object) -> list[object] | None:
    return None if value is None else _list_argument(function, param, value)


def _as_list(value: object) -> list[object] | None:
    """`value` if it is a list (a Starlark list or tuple arrives as one), else None."""
    return cast("list[object]", value) if isinstance(value, list) else None


_TYPE_NAMES: dict[type, str] = {
    str: "string",
    bool: "bool",
    int: "int",
    float: "float",
    type(None): "NoneType",
    list: "list",
    dict: "dict",
}


def _type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _repr(value: object) -> str:
    """A Starlark-looking rendering of a converted value, for messages."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if (items := _as_list(value)) is not None:
        return "[" + ", ".join(_repr(item) for item in items) + "]"
    return repr(value)
