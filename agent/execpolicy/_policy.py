"""A loaded policy: every prefix rule indexed by program, and how a command is checked against them."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ._decision import Decision, strictest
from ._rules import HeuristicsRuleMatch, NetworkRule, PrefixPattern, PrefixRule, PrefixRuleMatch, RuleMatch

HeuristicsFallback = Callable[[Sequence[str]], Decision]
"""Decides about a command no rule matched (see `render_decision_for_unmatched_command`)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every rule that matched one or more commands, and the strictest of their decisions."""

    matched_rules: tuple[RuleMatch, ...]

    @property
    def decision(self) -> Decision | None:
        """forbidden > prompt > allow over all matches; None when nothing matched."""
        return strictest(match.decision for match in self.matched_rules)

    @property
    def is_match(self) -> bool:
        """Whether a rule (not the heuristics fallback) matched."""
        return any(isinstance(match, PrefixRuleMatch) for match in self.matched_rules)

    def to_json(self) -> dict[str, object]:
        """The object `codex execpolicy check` prints: `matchedRules`, then `decision` only if something matched.

        Heuristics matches are left out: the command line never supplies a fallback.
        """
        matches = [match.to_json() for match in self.matched_rules if isinstance(match, PrefixRuleMatch)]
        out: dict[str, object] = {"matchedRules": matches}
        decision = strictest(match.decision for match in self.matched_rules if isinstance(match, PrefixRuleMatch))
        if decision is not None:
            out["decision"] = decision.value
        return out


class Policy:
    """Prefix rules, host-executable restrictions and network rules, as loaded from one or more rules files.

    A policy is immutable; `with_prefix_rule` and `merged` return new ones.
    """

    __slots__ = ("_canonical", "_exact", "_host_executables", "_network_rules", "_rules")

    def __init__(
        self,
        rules: Iterable[PrefixRule] = (),
        *,
        host_executables: Mapping[str, Sequence[str]] | None = None,
        network_rules: Iterable[NetworkRule] = (),
    ) -> None:
        self._rules = tuple(rules)
        self._exact: dict[str, list[PrefixRule]] = {}
        self._canonical: dict[str, list[PrefixRule]] = {}
        for rule in self._rules:
            index = self._canonical if rule.pattern.canonical_matching else self._exact
            index.setdefault(rule.pattern.program_key, []).append(rule)
        self._host_executables = {name: tuple(paths) for name, paths in (host_executables or {}).items()}
        self._network_rules = tuple(network_rules)

    @classmethod
    def empty(cls) -> Policy:
        """A policy without rules: every command falls through to the heuristics."""
        return cls()

    @property
    def rules(self) -> tuple[PrefixRule, ...]:
        """All prefix rules in load order (a pattern with first-token alternatives counts once per alternative)."""
        return self._rules

    @property
    def host_executables(self) -> Mapping[str, tuple[str, ...]]:
        """For each program name, the absolute paths allowed to match its rules by basename."""
        return dict(self._host_executables)

    @property
    def network_rules(self) -> tuple[NetworkRule, ...]:
        return self._network_rules

    def __repr__(self) -> str:
        return f"Policy(rules={len(self._rules)}, network_rules={len(self._network_rules)})"

    def matches_for_command(
        self,
        command: Sequence[str],
        *,
        resolve_host_executables: bool = False,
        heuristics_fallback: HeuristicsFallback | None = None,
    ) -> list[RuleMatch]:
        """Every rule matching `command`, in load order.

        With `resolve_host_executables`, an absolute program that matches nothing is retried by its basename
        (unless `host_executable` lists paths for that name and this is not one of them). If still nothing
        matches and `heuristics_fallback` is given, the result is one `HeuristicsRuleMatch`.
        """
        matches: list[RuleMatch] = list(self._match_program(command))
        if not matches and resolve_host_executables:
            matches.extend(self._match_host_executable(command))
        if not matches and heuristics_fallback is not None:
            matches.append(HeuristicsRuleMatch(command=tuple(command), decision=heuristics_fallback(command)))
        return matches

    def check(
        self,
        command: Sequence[str],
        *,
        resolve_host_executables: bool = False,
        heuristics_fallback: HeuristicsFallback | None = None,
    ) -> Evaluation:
        """Evaluate one command."""
        return self.check_multiple(
            [command], resolve_host_executables=resolve_host_executables, heuristics_fallback=heuristics_fallback
        )

    def check_multiple(
        self,
        commands: Iterable[Sequence[str]],
        *,
        resolve_host_executables: bool = False,
        heuristics_fallback: HeuristicsFallback | None = None,
    ) -> Evaluation:
        """Evaluate several commands (the parts of a split script) together: all matches, strictest wins."""
        matches: list[RuleMatch] = []
        for command in commands:
            matches.extend(
                self.matches_for_command(
                    command,
                    resolve_host_executables=resolve_host_executables,
                    heuristics_fallback=heuristics_fallback,
                )
            )
        return Evaluation(matched_rules=tuple(matches))

    def with_prefix_rule(self, prefix: Sequence[str], decision: Decision = Decision.ALLOW) -> Policy:
        """A copy with one more rule matching exactly these leading tokens (what "approve & remember" adds)."""
        if not prefix:
            raise ValueError("a prefix rule needs at least one token")
        rule = PrefixRule(PrefixPattern(prefix[0], tuple((token,) for token in prefix[1:])), decision)
        return Policy((*self._rules, rule), host_executables=self._host_executables, network_rules=self._network_rules)

    def merged(self, overlay: Policy) -> Policy:
        """A copy with `overlay`'s rules added after ours; its host-executable entries replace ours by name."""
        return Policy(
            (*self._rules, *overlay._rules),
            host_executables={**self._host_executables, **overlay._host_executables},
            network_rules=(*self._network_rules, *overlay._network_rules),
        )

    def _match_program(self, command: Sequence[str]) -> list[PrefixRuleMatch]:
        if not command:
            return []
        first = command[0]
        candidates = [*self._exact.get(first, ()), *self._canonical.get(first.lower(), ())]
        matches: list[PrefixRuleMatch] = []
        for rule in candidates:
            match = rule.matches(command)
            if match is not None:
                matches.append(match)
        return matches

    def _match_host_executable(self, command: Sequence[str]) -> list[PrefixRuleMatch]:
        if not command or not command[0].startswith("/"):
            return []
        program = normalize_absolute_path(command[0])
        name = posixpath.basename(program)
        if not name:
            return []
        allowed = self._host_executables.get(name)
        if allowed is not None and program not in allowed:
            return []
        by_name = [name, *command[1:]]
        return [
            PrefixRuleMatch(match.matched_prefix, match.decision, match.justification, resolved_program=program)
            for match in self._match_program(by_name)
        ]


def normalize_absolute_path(path: str) -> str:
    """Collapse `//`, `.` and `..` in an absolute path without touching the file system."""
    normalized = posixpath.normpath(path)
    return "/" + normalized.lstrip("/")
