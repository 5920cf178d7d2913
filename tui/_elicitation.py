"""The dialog for an MCP server's elicitation: a form generated from the requested schema, or a link to open.

The schema is the MCP flat object schema: each property a string (optionally an `enum`, `oneOf` of `const`/`title`,
or a `format`), a number, an integer, a boolean, or an array of enum strings (several choices). Defaults fill the
fields; required fields are marked and checked before the answer goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from ._cells import MUTED
from ._dialog import Dialog

FieldKind = Literal["string", "number", "integer", "boolean", "choice", "choices"]
ElicitAction = Literal["accept", "decline", "cancel"]


@dataclass(frozen=True)
class ElicitAnswer:
    action: ElicitAction
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    title: str
    kind: FieldKind
    required: bool = False
    description: str = ""
    default: Any = None
    options: tuple[tuple[str, str], ...] = ()
    """(value, label) for `choice` and `choices`."""
    limits: Mapping[str, Any] = field(default_factory=lambda: {})


def _options(spec: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if isinstance(spec.get("enum"), list):
        values = [str(v) for v in cast(list[Any], spec["enum"])]
        names_value: Any = spec.get("enumNames")
        names = [str(n) for n in cast(list[Any], names_value)] if isinstance(names_value, list) else values
        return tuple(zip(values, names + values[len(names) :], strict=False))
    for key in ("oneOf", "anyOf"):
        entries: Any = spec.get(key)
        if isinstance(entries, list):
            out: list[tuple[str, str]] = []
            for entry in cast(list[Any], entries):
                if isinstance(entry, dict) and "const" in entry:
                    item = cast(dict[str, Any], entry)
                    out.append((str(item["const"]), str(item.get("title", item["const"]))))
            if out:
                return tuple(out)
    return ()


def form_fields(schema: Mapping[str, Any]) -> list[FormField]:
    """The fields of a requested schema, in the order the schema lists them."""
    properties: Any = schema.get("properties") or {}
    required_value: Any = schema.get("required") or []
    required = {str(r) for r in cast(list[Any], required_value)} if isinstance(required_value, list) else set[str]()
    fields: list[FormField] = []
    if not isinstance(properties, dict):
        return fields
    for name, raw in cast(dict[str, Any], properties).items():
        spec: Mapping[str, Any] = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
        kind_name = spec.get("type", "string")
        options = _options(spec)
        kind: FieldKind
        if kind_name == "array":
            items: Any = spec.get("items")
            options = _options(cast(dict[str, Any], items)) if isinstance(items, dict) else ()
            kind = "choices"
        elif options:
            kind = "choice"
        elif kind_name in ("number", "integer", "boolean"):
            kind = kind_name
        else:
            kind = "string"
        limits = {k: spec[k] for k in ("minLength", "maxLength", "minimum", "maximum", "format") if k in spec}
        fields.append(
            FormField(
                name=name,
                title=str(spec.get("title") or name),
                kind=kind,
                required=name in required,
                description=str(spec.get("description") or ""),
                default=spec.get("default"),
                options=options,
                limits=limits,
            )
        )
    return fields


def _field_widget(spec: FormField) -> Widget:
    widget_id = f"field-{spec.name}"
    if spec.kind == "boolean":
        return Checkbox(spec.title, value=bool(spec.default), id=widget_id)
    if spec.kind == "choice":
        default = str(spec.default) if spec.default is not None else Select.NULL
        return Select([(label, value) for value, label in spec.options], value=default, id=widget_id)
    if spec.kind == "choices":
        chosen = {str(v) for v in cast(list[Any], spec.default)} if isinstance(spec.default, list) else set[str]()
        return SelectionList[str](*[(label, value, value in chosen) for value, label in spec.options], id=widget_id)
    value = "" if spec.default is None else str(spec.default)
    input_type: Literal["text", "number", "integer"] = "text"
    if spec.kind in ("number", "integer"):
        input_type = "integer" if spec.kind == "integer" else "number"
    placeholder = str(spec.limits.get("format", "")) or spec.kind
    return Input(value=value, type=input_type, placeholder=placeholder, id=widget_id)


def read_field(spec: FormField, widget: Widget) -> tuple[Any, str | None]:
    """The field's value, or an error message for a person."""
    if isinstance(widget, Checkbox):
        return widget.value, None
    if isinstance(widget, Select):
        value: Any = cast(Select[str], widget).value
        if value is Select.NULL:
            return None, "choose one" if spec.required else None
        return value, None
    if isinstance(widget, SelectionList):
        chosen = list(cast(SelectionList[str], widget).selected)
        if spec.required and not chosen:
            return None, "choose at least one"
        return chosen, None
    assert isinstance(widget, Input)
    text = widget.value.strip()
    if not text:
        return None, "required" if spec.required else None
    if spec.kind in ("number", "integer"):
        try:
            number: int | float = int(text) if spec.kind == "integer" else float(text)
        except ValueError:
            return None, f"not {'an integer' if spec.kind == 'integer' else 'a number'}"
        low, high = spec.limits.get("minimum"), spec.limits.get("maximum")
        if isinstance(low, int | float) and number < low:
            return None, f"at least {low}"
        if isinstance(high, int | float) and number > high:
            return None, f"at most {high}"
        return number, None
    low, high = spec.limits.get("minLength"), spec.limits.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        return None, f"at least {low} characters"
    if isinstance(high, int) and len(text) > high:
        return None, f"at most {high} characters"
    return widget.value, None


class ElicitationDialog(Dialog[ElicitAnswer]):
    """An MCP server asks the person for information (a form) or to open a link (URL mode)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer('cancel')", "cancel", show=False),
        Binding("ctrl+s", "submit", "send", show=False),
    ]

    def __init__(self, server: str, message: str, schema: Mapping[str, Any] | None, url: str | None = None) -> None:
        super().__init__()
        self.server = server
        self.message = message
        self.url = url
        self.fields = form_fields(schema or {}) if url is None else []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(
                Text.assemble(("MCP server ", MUTED), (self.server, "bold"), (" asks:", MUTED)), classes="dialog-title"
            )
            yield Static(self.message, classes="elicitation-message")
            with VerticalScroll(classes="dialog-details"):
                if self.url is not None:
                    yield Static(Text(self.url, style="underline"), id="elicitation-url")
                for spec in self.fields:
                    if spec.kind != "boolean":
                        mark = " *" if spec.required else ""
                        yield Label(Text.assemble((spec.title, "bold"), (mark, "red")), classes="field-title")
                    if spec.description:
                        yield Label(Text(spec.description, style=MUTED), classes="field-help")
                    yield _field_widget(spec)
                    error = Label("", id=f"error-{spec.name}", classes="field-error")
                    error.display = False
                    yield error
            with Horizontal(classes="dialog-buttons"):
                accept = "Open the link" if self.url is not None else "Send (ctrl+s)"
                yield Button(accept, variant="primary", id="accept")
                yield Button("Decline", id="decline")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        first = self.query(".dialog-details Input, .dialog-details Select, .dialog-details Checkbox")
        if self.fields and first:
            first.first().focus()
        else:
            self.query_one("#accept", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "accept":
            self.action_submit()
        elif event.button.id == "decline":
            self.dismiss(ElicitAnswer("decline"))
        else:
            self.dismiss(ElicitAnswer("cancel"))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_answer(self, action: ElicitAction) -> None:
        self.dismiss(ElicitAnswer(action))

    def action_submit(self) -> None:
        if self.url is not None:
            self.app.open_url(self.url)
            self.dismiss(ElicitAnswer("accept"))
            return
        content: dict[str, Any] = {}
        valid = True
        for spec in self.fields:
            value, error = read_field(spec, self.query_one(f"#field-{spec.name}"))
            label = self.query_one(f"#error-{spec.name}", Label)
            label.update(Text(error or "", style="red"))
            label.display = error is not None
            if error is not None:
                valid = False
            elif value is not None:
                content[spec.name] = value
        if valid:
            self.dismiss(ElicitAnswer("accept", content))
