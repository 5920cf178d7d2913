"""Compaction: replacing a long history with a hand-off summary (codex-semantics.md §7), plan and files kept.

The flow, as Codex runs it locally: when the context estimate passes `auto_compact_limit(...)`, send the history
followed by `summary_request(...)` (the `SUMMARY_PROMPT`, or the configured `compact_prompt`) as a normal request;
take the model's last assistant message as the summary; build the new history with `build_compacted_history(...)`;
write it to the rollout as a `compacted` record (`compacted_record(...)`, which `read_rollout` replays on resume).

The new history is Codex's shape: the initial context, the most recent real user messages (walking backwards within
a token budget, the oldest kept one cut in the middle if it does not fit), then one user message holding
`SUMMARY_PREFIX` and the summary. Beyond Codex, that message also carries the current plan and the list of files
changed, verbatim as JSON inside `<plan>` and `<files_changed>` blocks, so they survive any number of compactions
exactly (`parse_carried_state` reads them back).

Where the initial context goes (`placement`):
- `"start"` (before a turn, and for manual compaction): first, as in a new thread.
- `"before_last_user"` (mid-turn, between tool calls): just before the last real user message, as Codex does, so
  the model reads the context, then the request it is working on, then the summary.

Everything here is pure (no I/O).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from . import _context
from ._items import message_text, message_texts, user_message_item, uuid7
from ._json import JsonObject, as_list, as_obj, as_str
from ._protocol import Warning
from ._text import encode_text
from .model import Model, NullSink, Prompt, request_knobs

if TYPE_CHECKING:
    from ._protocol import EventMsg
    from .config import Config
    from .hooks import Hooks
    from .skills import SkillSet
    from .threads import ThreadRecorder
from .tools import truncate_middle_tokens

BYTES_PER_TOKEN = 4
IMAGE_BYTES_ESTIMATE = 7373
"""What one inline image costs, in bytes of the estimate (about 1,844 tokens), whatever its base64 size."""
REASONING_OVERHEAD_BYTES = 650
DEFAULT_CONTEXT_WINDOW = 272_000
"""The window assumed when the model's is unknown (Codex's default): the auto-compact limit is then 244,800."""
USER_MESSAGES_BUDGET_TOKENS = 20_000
NO_SUMMARY = "(no summary available)"
COMPACTED_RECORD = "compacted"
"""The rollout record type of a compaction: payload `{"message": str, "replacement_history": [items]}`."""

SUMMARY_PROMPT = """\
Stop here and write a hand-off note. Another assistant will take over this work with none of the conversation \
above: only your note and the user's recent messages. Write what they need to carry on without repeating work:

- Goal: what the user wants, in their terms, with every refinement they made along the way.
- Progress and decisions: what is done, what was tried and dropped (and why), and the choices made.
- Constraints and preferences: rules the user gave, conventions of this codebase, things to avoid.
- What remains: the next concrete steps in order, and any open questions.
- Key references: exact file paths, function and test names, commands, error messages, identifiers and short \
snippets the next assistant will need.

Be brief and structured (short sections or bullet lists). Do not call any tool; reply with the note only."""

SUMMARY_PREFIX = """\
Earlier parts of this conversation were condensed to save context. The note below was written by the assistant \
who did that work, as a hand-off to you; the user's most recent messages are kept above it. Treat it as your own \
memory of the work: continue from it, do not redo finished steps, and check the files when you are unsure."""

_PLAN_INTRO = "The current plan, carried over exactly (keep it up to date with update_plan):"
_FILES_INTRO = "Files changed in this thread so far:"

# Summaries written by Codex (a thread Codex compacted, then resumed here) are recognised by the start of its
# prefix, so that they are not kept as if the user had written them.
_FOREIGN_SUMMARY_PREFIXES = ("Another language model started to solve this problem",)

# User messages the harness writes (AGENTS.md, environment, skills, ...) start with one of these. Codex also checks
# the closing tag; the opening one alone is enough to tell them from what a person types, and it keeps a message
# whose end was cut (a trimmed capture, a truncated copy) recognised.
_CONTEXT_PREFIXES = (
    "# AGENTS.md instructions for",
    "<user_instructions>",
    "<environment_context>",
    "<skill>",
    "<user_shell_command>",
    "<subagent_notification>",
    "<turn_aborted>",
)

_MODEL_GENERATED_TYPES = frozenset(
    {
        "reasoning",
        "function_call",
        "custom_tool_call",
        "tool_search_call",
        "web_search_call",
        "local_shell_call",
        "image_generation_call",
        "compaction",
    }
)

Placement = Literal["start", "before_last_user"]


# ---- token estimates ----------------------------------------------------------------------------------------------


def _tokens_for_bytes(size: int) -> int:
    return 0 if size <= 0 else -(-size // BYTES_PER_TOKEN)


def _base64_payload_length(url: object) -> int:
    if not isinstance(url, str) or not url.startswith("data:"):
        return 0
    header, sep, payload = url.partition(",")
    return len(payload) if sep and header.endswith(";base64") else 0


def _image_adjustment(item: JsonObject) -> tuple[int, int]:
    """Bytes of inline base64 image data in `item`, and what those images count for instead."""
    kind = item.get("type")
    if kind == "message":
        parts = as_list(item.get("content"))
    elif kind in ("function_call_output", "custom_tool_call_output"):
        parts = as_list(item.get("output"))
    else:
        return 0, 0
    payload = replacement = 0
    for part in parts:
        part = as_obj(part)
        if part.get("type") != "input_image":
            continue
        length = _base64_payload_length(part.get("image_url"))
        if length:
            payload += length
            replacement += IMAGE_BYTES_ESTIMATE
    return payload, replacement


def estimate_item_tokens(item: JsonObject) -> int:
    """Codex's estimate of what one history item costs: 4 bytes a token over its compact JSON.

    Inline images count `IMAGE_BYTES_ESTIMATE` bytes each instead of their base64 size; encrypted reasoning counts
    its decoded length less a fixed overhead (3/4 of the base64 length, minus 650 bytes), and nothing else.
    """
    encrypted = item.get("encrypted_content")
    if item.get("type") in ("reasoning", "compaction") and isinstance(encrypted, str):
        return _tokens_for_bytes(len(encrypted) * 3 // 4 - REASONING_OVERHEAD_BYTES)
    size = len(encode_text(json.dumps(item, ensure_ascii=False, separators=(",", ":"))))
    payload, replacement = _image_adjustment(item)
    if payload:
        size = size - payload + replacement
    return _tokens_for_bytes(size)


def estimate_tokens(items: Iterable[JsonObject]) -> int:
    """The sum of `estimate_item_tokens` over `items`."""
    return sum(estimate_item_tokens(item) for item in items)


def is_model_generated(item: JsonObject) -> bool:
    """Whether the model produced this item (assistant message, reasoning, a tool call)."""
    kind = item.get("type")
    if kind == "message":
        return item.get("role") == "assistant"
    return kind in _MODEL_GENERATED_TYPES


def estimate_context_tokens(history: Sequence[JsonObject], last_response_total_tokens: int | None) -> int:
    """How full the context is, as Codex reckons it.

    With the provider's usage: the last response's `total_tokens` plus the estimate of the items added after the
    last model-generated item (tool outputs, new user input). Without it (no usage reported): the estimate of the
    whole history.
    """
    if last_response_total_tokens is None:
        return estimate_tokens(history)
    last = -1
    for index in range(len(history) - 1, -1, -1):
        if is_model_generated(history[index]):
            last = index
            break
    return last_response_total_tokens + estimate_tokens(history[last + 1 :])


def auto_compact_limit(context_window: int | None, configured_limit: int | None) -> int | None:
    """The token count at which to compact: `min(configured_limit, 90% of the window)`.

    An unknown window is taken as `DEFAULT_CONTEXT_WINDOW` (272,000, so 244,800). A configured limit of zero or
    less turns auto-compaction off (None).
    """
    if configured_limit is not None and configured_limit <= 0:
        return None
    window = context_window if context_window and context_window > 0 else DEFAULT_CONTEXT_WINDOW
    ninety = window * 9 // 10
    return ninety if configured_limit is None else min(configured_limit, ninety)


# ---- kinds of message ---------------------------------------------------------------------------------------------


def _starts_with(text: str, prefix: str) -> bool:
    return text[: len(prefix)].lower() == prefix.lower()


def _is_context_fragment(text: str) -> bool:
    head = text.lstrip()
    return any(_starts_with(head, prefix) for prefix in _CONTEXT_PREFIXES)


def is_context_message(item: JsonObject) -> bool:
    """A message the harness writes rather than the user: developer/system messages (instructions, permissions)
    and user messages carrying AGENTS.md, the environment context, skills, shell-command or abort notes."""
    if item.get("type") != "message":
        return False
    role = item.get("role")
    if role in ("developer", "system"):
        return True
    return role == "user" and any(_is_context_fragment(t) for t in message_texts(item))


def is_summary_message(item: JsonObject) -> bool:
    """A user message holding a compaction summary (ours, or one Codex wrote)."""
    if item.get("type") != "message" or item.get("role") != "user":
        return False
    parts = message_texts(item)
    if not parts:
        return False
    first = parts[0]
    return first.startswith(SUMMARY_PREFIX + "\n") or any(first.startswith(p) for p in _FOREIGN_SUMMARY_PREFIXES)


def is_real_user_message(item: JsonObject) -> bool:
    """A message the user wrote: role user, neither harness context nor a compaction summary."""
    return (
        item.get("type") == "message"
        and item.get("role") == "user"
        and not is_context_message(item)
        and not is_summary_message(item)
    )


# ---- the compacted history ----------------------------------------------------------------------------------------


def recent_user_messages(history: Sequence[JsonObject], budget_tokens: int = USER_MESSAGES_BUDGET_TOKENS) -> list[str]:
    """The texts of the most recent real user messages that fit in `budget_tokens`, oldest first.

    Walks backwards; the first message that does not fit whole is cut in the middle to the remaining budget and
    kept, and the walk stops there.
    """
    texts = [message_text(item, "\n") for item in history if is_real_user_message(item)]
    selected: list[str] = []
    remaining = budget_tokens
    for text in reversed(texts):
        if remaining <= 0:
            break
        cost = _tokens_for_bytes(len(encode_text(text)))
        if cost <= remaining:
            selected.append(text)
            remaining -= cost
        else:
            selected.append(truncate_middle_tokens(text, remaining)[0])
            break
    selected.reverse()
    return selected


def _json_block(tag: str, values: Sequence[Any]) -> str:
    body = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in values)
    return f"<{tag}>\n[\n{body}\n]\n</{tag}>"


def summary_message_text(summary: str, *, plan: Sequence[JsonObject] | None, files_changed: Sequence[str]) -> str:
    """The text of the summary message: `SUMMARY_PREFIX`, the summary, then the plan and files blocks if any."""
    text = f"{SUMMARY_PREFIX}\n{summary.strip() or NO_SUMMARY}"
    if plan:
        text += f"\n\n{_PLAN_INTRO}\n{_json_block('plan', list(plan))}"
    if files_changed:
        text += f"\n\n{_FILES_INTRO}\n{_json_block('files_changed', list(files_changed))}"
    return text


def _read_block(text: str, tag: str) -> list[Any] | None:
    opening = f"\n<{tag}>\n"
    start = text.rfind(opening)
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start + len(opening))
    except ValueError:
        return None
    return cast(list[Any], value) if isinstance(value, list) else None


def parse_carried_state(text: str) -> tuple[list[JsonObject] | None, list[str] | None]:
    """The plan and the files changed carried in a summary message's text (None for a block that is absent)."""
    plan = _read_block(text, "plan")
    files = _read_block(text, "files_changed")
    return (
        [as_obj(step) for step in plan] if plan is not None else None,
        [as_str(path) for path in files] if files is not None else None,
    )


def build_compacted_history(
    history: Sequence[JsonObject],
    *,
    summary: str,
    initial_context: Sequence[JsonObject],
    plan: Sequence[JsonObject] | None,
    files_changed: Sequence[str],
    user_budget_tokens: int = USER_MESSAGES_BUDGET_TOKENS,
    placement: Placement = "start",
) -> list[JsonObject]:
    """The history that replaces `history` after compaction (see the module docstring for the shape).

    `summary` is the model's hand-off note (empty: `NO_SUMMARY`). `initial_context` is the thread's context items
    as `_context.initial_context` builds them now (pass `[]` to leave it for the next turn to add).
    """
    kept = [user_message_item(text) for text in recent_user_messages(history, user_budget_tokens)]
    summary_item = user_message_item(summary_message_text(summary, plan=plan, files_changed=files_changed))
    context = list(initial_context)
    if placement == "before_last_user" and kept:
        return [*kept[:-1], *context, kept[-1], summary_item]
    return [*context, *kept, summary_item]


def summary_request(history: Sequence[JsonObject], prompt: str = SUMMARY_PROMPT) -> list[JsonObject]:
    """The input of the summarising request: the history, then the prompt as a user message."""
    return [*history, user_message_item(prompt)]


def compacted_record(message: str, replacement_history: Sequence[JsonObject]) -> JsonObject:
    """The payload of the `compacted` rollout record (`message`: the summary message's text) that makes resume
    replace the history with `replacement_history`."""
    return {"message": message, "replacement_history": list(replacement_history)}


async def request_summary(
    model: Model,
    *,
    model_name: str,
    history: Sequence[JsonObject],
    prompt: str,
    cache_key: str,
    knobs: Mapping[str, Any] | None = None,
) -> str:
    """Ask the model to summarise `history` (no tools); the text of its last assistant message.

    `knobs` are the request's `reasoning`, `verbosity` and `service_tier` (the history's reasoning items need the
    same `include` as the turn's requests)."""
    request = Prompt(
        model=model_name,
        input=summary_request(history, prompt),
        tools=[],
        parallel_tool_calls=False,
        prompt_cache_key=cache_key,
        **{k: v for k, v in (knobs or {}).items() if k != "web_search"},
    )
    response = await model.stream(request, NullSink())
    summary = ""
    for item in response.items:
        if item.get("type") == "message" and item.get("role") == "assistant":
            summary = message_text(item)
    return summary


def compaction_notice(tokens_before: int) -> str:
    """What the user is told after a compaction."""
    return (
        f"The conversation was compacted (about {tokens_before:,} tokens) into a summary; the plan and the list of "
        "changed files were kept as they were. Long threads lose detail: start a new thread when the task changes."
    )


class CompactingSession:
    """The part of `Session` that watches the context's size and compacts the history (a mixin: the attributes
    below are the session's)."""

    config: Config
    history: list[JsonObject]
    thread_id: str
    _client: Model | None
    _last_total_tokens: int | None
    _shell: str
    _plan: list[Any]
    _files_changed: list[str]
    _recorder: ThreadRecorder
    _hooks: Hooks | None
    _skills: SkillSet | None

    async def _emit(self, turn_id: str, msg: EventMsg) -> None: ...

    def context_tokens(self) -> int:
        """How full the context is now (the provider's last count plus an estimate of what came after)."""
        return estimate_context_tokens(self.history, self._last_total_tokens)

    def context_window(self) -> int | None:
        """The model's context window: `model_context_window`, else the OpenAI models' 272,000; None when unknown."""
        configured = self.config.toml.model_context_window
        if configured:
            return configured
        return DEFAULT_CONTEXT_WINDOW if self.config.provider.id == "openai" else None

    def compact_limit(self) -> int | None:
        """The token count at which the history is compacted (None: never)."""
        return auto_compact_limit(
            self.config.toml.model_context_window, self.config.toml.model_auto_compact_token_limit
        )

    def _over_compact_limit(self) -> bool:
        limit = self.compact_limit()
        return bool(self.history) and limit is not None and self.context_tokens() >= limit

    async def _maybe_compact_mid_turn(self, turn_id: str) -> None:
        if self._over_compact_limit():
            await self._compact(turn_id, mid_turn=True)

    async def _compact(self, turn_id: str, *, mid_turn: bool, manual: bool = False) -> None:
        """Summarise the history and continue from the summary. `turn_id` is the running turn's ("" for /compact,
        which is a turn of its own for the hooks: `manual`, with a fresh id)."""
        assert self._client is not None
        trigger = "manual" if manual else "auto"
        hook_turn = turn_id or uuid7()
        if self._hooks is not None and self._hooks.has("PreCompact"):
            verdict = await self._hooks.fire("PreCompact", {"trigger": trigger}, turn_id=hook_turn, subject=trigger)
            if verdict.stop_reason is not None:
                await self._emit(
                    turn_id, Warning(message=f"A PreCompact hook stopped the compaction: {verdict.stop_reason}")
                )
                return
        summary = await request_summary(
            self._client,
            model_name=self.config.model,
            history=self.history,
            prompt=self.config.compact_prompt or SUMMARY_PROMPT,
            cache_key=self.thread_id,
            knobs=request_knobs(self.config),
        )
        replacement = build_compacted_history(
            self.history,
            summary=summary,
            initial_context=_context.initial_context(self.config, self._shell, self._skills),
            plan=[step.model_dump() for step in self._plan],
            files_changed=self._files_changed,
            placement="before_last_user" if mid_turn else "start",
        )
        before = self.context_tokens()
        self.history[:] = replacement
        self._last_total_tokens = None
        summary_text = message_text(replacement[-1]) if replacement else summary
        self._recorder.record(COMPACTED_RECORD, compacted_record(summary_text, replacement))
        if self._hooks is not None and self._hooks.has("PostCompact"):
            await self._hooks.fire("PostCompact", {"trigger": trigger}, turn_id=hook_turn, subject=trigger)
        await self._emit(turn_id, Warning(message=compaction_notice(before)))
