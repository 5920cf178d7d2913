from __future__ import annotations

import mcp.types as types
import pytest

from mcp_client import ElicitationRequest, apply_schema_defaults, decline_elicitation
from mcp_client._elicitation import answer_elicitation

pytestmark = pytest.mark.anyio

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "colour": {"type": "string", "default": "blue"},
        "subscribe": {"type": "boolean", "default": False},
    },
}
FORM = types.ElicitRequestFormParams(message="Details?", requested_schema=SCHEMA)


def test_schema_defaults_fill_only_missing_fields() -> None:
    assert apply_schema_defaults(SCHEMA, {"name": "Ann", "colour": "red"}) == {
        "colour": "red",
        "subscribe": False,
        "name": "Ann",
    }
    assert apply_schema_defaults({"type": "object"}, None) == {}


async def test_the_default_handler_declines() -> None:
    assert await decline_elicitation("srv", FORM) == types.ElicitResult(action="decline")


async def test_an_accepted_form_gets_the_defaults_and_a_failing_handler_means_cancel() -> None:
    async def accept(server: str, request: ElicitationRequest) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"name": "Ann"})

    async def explode(server: str, request: ElicitationRequest) -> types.ElicitResult:
        raise RuntimeError("the dialog crashed")

    accepted = await answer_elicitation(accept, "srv", FORM)
    assert (accepted.action, accepted.content) == ("accept", {"colour": "blue", "subscribe": False, "name": "Ann"})
    assert (await answer_elicitation(explode, "srv", FORM)).action == "cancel"
