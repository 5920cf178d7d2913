from __future__ import annotations

import hashlib

from mcp_client import qualify_tools, sanitize_tool_name, split_qualified_name


def _sha(identity: str) -> str:
    return hashlib.sha1(identity.encode()).hexdigest()[:12]


def test_tool_names_are_qualified_with_the_server_namespace_and_sanitised() -> None:
    names = qualify_tools([("everything", "get-sum"), ("everything", "echo"), ("my.srv", "do it")])

    assert [(n.qualified, n.responses_namespace, n.name, n.tool) for n in names] == [
        ("mcp__everything__echo", "mcp__everything", "echo", "echo"),
        ("mcp__everything__get_sum", "mcp__everything", "get_sum", "get-sum"),
        ("mcp__my_srv__do_it", "mcp__my_srv", "do_it", "do it"),
    ]


def test_sanitising_replaces_everything_outside_the_safe_set_and_never_returns_empty() -> None:
    assert sanitize_tool_name("a-b.c d/é") == "a_b_c_d__"
    assert sanitize_tool_name("") == "_"


def test_two_tools_that_sanitise_alike_get_a_sha1_suffix_of_their_raw_identity() -> None:
    names = {n.tool: n for n in qualify_tools([("s", "get-sum"), ("s", "get_sum")])}

    identity = "s\0mcp__s__\0\0{tool}\0{tool}"
    assert names["get-sum"].qualified == "mcp__s__get_sum_" + _sha(identity.format(tool="get-sum"))
    assert names["get_sum"].qualified == "mcp__s__get_sum_" + _sha(identity.format(tool="get_sum"))


def test_two_servers_that_sanitise_alike_get_the_hash_inside_the_namespace() -> None:
    names = {n.server: n for n in qualify_tools([("a-b", "t"), ("a.b", "t")])}

    for server in ("a-b", "a.b"):
        suffix = _sha(server + "\0mcp__" + server + "__\0")
        expected_ns = f"mcp__a_b_{suffix}__"
        assert names[server].namespace == expected_ns
        assert names[server].qualified == expected_ns + "t"


def test_a_name_over_64_bytes_is_truncated_and_suffixed_to_fit() -> None:
    long_tool = "x" * 80
    (name,) = qualify_tools([("srv", long_tool)])

    identity = f"srv\0mcp__srv__\0\0{long_tool}\0{long_tool}"
    assert len(name.qualified) == 64
    assert name.qualified == "mcp__srv__" + "x" * (64 - 10 - 13) + "_" + _sha(identity)
    assert name.tool == long_tool


def test_duplicates_are_dropped_and_the_result_does_not_depend_on_input_order() -> None:
    pairs = [("b", "z"), ("a", "y"), ("b", "z")]

    assert qualify_tools(pairs) == qualify_tools(list(reversed(pairs)))
    assert len(qualify_tools(pairs)) == 2


def test_a_qualified_name_splits_back_into_server_and_tool() -> None:
    assert split_qualified_name("mcp__everything__get_sum") == ("everything", "get_sum")
    assert split_qualified_name("exec_command") is None
    assert split_qualified_name("mcp__only") is None
