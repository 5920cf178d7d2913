from __future__ import annotations

import mcp.types as types

from mcp_client import (
    read_resource_payload,
    resource_templates_payload,
    resources_payload,
    tool_result_to_item_result,
    tool_result_to_model_output,
)


def test_text_content_becomes_a_list_led_by_the_wall_time() -> None:
    result = types.CallToolResult(content=[types.TextContent(type="text", text="Echo: hi")])

    assert tool_result_to_model_output(result, 0.0084) == [
        {"type": "input_text", "text": "Wall time: 0.0084 seconds\nOutput:"},
        {"type": "input_text", "text": "Echo: hi"},
    ]


def test_structured_content_becomes_one_string_with_compact_json() -> None:
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text="ignored")],
        structured_content={"temperature": 36, "city": "Zürich"},
    )

    assert tool_result_to_model_output(result, 0.0034) == (
        'Wall time: 0.0034 seconds\nOutput:\n{"temperature":36,"city":"Zürich"}'
    )


def test_images_become_data_urls_and_other_blocks_their_json() -> None:
    result = types.CallToolResult(
        content=[
            types.ImageContent(type="image", data="AAAA", mime_type="image/png"),
            types.ResourceLink(type="resource_link", uri="file:///a", name="a"),
        ],
        is_error=True,
    )

    assert tool_result_to_model_output(result, 1.5) == [
        {"type": "input_text", "text": "Wall time: 1.5000 seconds\nOutput:"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
        {"type": "input_text", "text": '{"name":"a","uri":"file:///a","type":"resource_link"}'},
    ]


def test_the_exec_item_result_keeps_the_raw_content_blocks() -> None:
    result = types.CallToolResult(content=[types.TextContent(type="text", text="Echo: hi")])

    assert tool_result_to_item_result(result) == {
        "content": [{"type": "text", "text": "Echo: hi"}],
        "structured_content": None,
    }


def test_resource_payloads_have_codex_shapes() -> None:
    resource = types.Resource(uri="memo://a", name="a", description="d", mime_type="text/plain")
    template = types.ResourceTemplate(uri_template="memo://{x}", name="t")

    assert resources_payload({"s": [resource]}, server="s", next_cursor="c2") == {
        "server": "s",
        "resources": [{"server": "s", "uri": "memo://a", "name": "a", "description": "d", "mimeType": "text/plain"}],
        "nextCursor": "c2",
    }
    assert resources_payload({"b": [resource], "a": []}) == {
        "resources": [{"server": "b", "uri": "memo://a", "name": "a", "description": "d", "mimeType": "text/plain"}]
    }
    assert resource_templates_payload({"s": [template]}) == {
        "resourceTemplates": [{"server": "s", "uriTemplate": "memo://{x}", "name": "t"}]
    }
    read = types.ReadResourceResult(contents=[types.TextResourceContents(uri="memo://a", text="hi")])
    assert read_resource_payload("s", "memo://a", read) == {
        "server": "s",
        "uri": "memo://a",
        "contents": [{"uri": "memo://a", "text": "hi"}],
    }
