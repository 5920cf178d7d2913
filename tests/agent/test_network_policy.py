"""Permission profiles in config, and the network proxy in a real session: scripted model, real bubblewrap, curl."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import tomlkit

import agent
import sandbox
from agent.protocol import ApprovalRequest, NetworkApprovalRequest, ReviewDecision
from agent.tools._network import remember_domain
from sandbox._route import HOSTS_ENV
from tests.sandbox._netservers import Served, serve
from tests.support.model_server import ScriptedModelServer, exec_call, message

pytestmark = pytest.mark.anyio

PROFILE = """\
# my settings
default_permissions = "dev"

[permissions.dev.filesystem]
":root" = "read"
":project_roots" = "write"

[permissions.dev.network]
enabled = true
allow_local_binding = true  # the test servers are on loopback
domains = { "pypi.test" = "allow", "evil.test" = "deny" }  # keep this comment
"""


class Approver:
    def __init__(self, decisions: Sequence[ReviewDecision]) -> None:
        self.decisions = list(decisions)
        self.asked: list[NetworkApprovalRequest] = []

    async def request_approval(self, request: ApprovalRequest, turn_id: str) -> ReviewDecision:
        assert isinstance(request, NetworkApprovalRequest), request
        self.asked.append(request)
        return self.decisions.pop(0)


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv(HOSTS_ENV, "pypi.test=127.0.0.1,evil.test=127.0.0.1,other.test=127.0.0.1,new.test=127.0.0.1")
    with serve("web") as served:
        yield served


def load(repo: Path, codex_home: Path, text: str = PROFILE, approval: str = "on-request", **kw: Any) -> agent.Config:
    (codex_home / "config.toml").write_text(text, encoding="utf-8")
    return agent.load_config(agent.ConfigOverrides(cwd=repo, approval_policy=approval, **kw))  # pyright: ignore[reportArgumentType]


def need_bubblewrap() -> None:
    if sandbox.detect().backend != "bubblewrap" or shutil.which("curl") is None:
        pytest.skip("needs bubblewrap's network namespace and curl")


def test_a_profile_sets_the_sandbox_policy_and_the_network_policy(repo: Path, codex_home: Path) -> None:
    config = load(repo, codex_home)
    assert config.permissions_profile == "dev" and config.sandbox_mode == "workspace-write"
    assert config.sandbox_policy == sandbox.WorkspaceWrite(exclude_tmpdir_env_var=True, exclude_slash_tmp=True)
    assert config.network == sandbox.NetworkPolicy(
        enabled=True, allow=("pypi.test",), deny=("evil.test",), allow_local_binding=True, profile="dev"
    )


def test_a_sandbox_mode_flag_beats_the_profile(repo: Path, codex_home: Path) -> None:
    config = load(repo, codex_home, sandbox_mode="read-only")
    assert config.sandbox_policy == sandbox.ReadOnly() and not config.network.enabled
    assert config.permissions_profile is None


def test_read_only_profile_writable_roots_and_unsupported_keys_are_reported(repo: Path, codex_home: Path) -> None:
    text = (
        'default_permissions = "ro"\n[features]\nnetwork_proxy = true\n'
        '[permissions.ro.filesystem]\n":root" = "read"\n'
        '[permissions.rw.filesystem]\n"/srv/data" = "write"\n":tmpdir" = "write"\n'
        '[permissions.ro.network]\nenabled = true\nproxy_url = "http://127.0.0.1:3128"\nenable_socks5_udp = true\n'
    )
    config = load(repo, codex_home, text)
    assert config.sandbox_policy == sandbox.ReadOnly() and config.network.enabled and config.network.allow == ()
    assert any("proxy_url` is not used" in w for w in config.warnings)
    assert any("enable_socks5_udp` is ignored" in w for w in config.warnings)
    rw = load(repo, codex_home, text.replace('"ro"\n', '"rw"\n', 1))
    assert rw.sandbox_policy == sandbox.WorkspaceWrite(
        writable_roots=(Path("/srv/data"),), exclude_tmpdir_env_var=False, exclude_slash_tmp=True
    )
    assert any("the workspace is writable too" in w for w in rw.warnings)


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ('[permissions.dev.network]\nmode = "fast"\n', "permissions.dev.network.mode", '"full" or "limited"'),
        ('[permissions.dev.network]\ndomains = { "a.*.com" = "allow" }\n', 'domains."a.*.com"', "is not a host"),
        ('[permissions.dev.network]\ndomains = { "a.com" = "maybe" }\n', 'domains."a.com"', '"allow" or "deny"'),
        ('[permissions.dev.filesystem]\n"/x" = "none"\n', 'filesystem."/x"', "not supported"),
        ("[permissions.other]\n", "default_permissions", "no [permissions.dev]"),
    ],
)
def test_a_bad_profile_is_a_config_error_naming_the_key(
    repo: Path, codex_home: Path, table: str, key: str, words: str
) -> None:
    with pytest.raises(agent.ConfigError) as raised:
        load(repo, codex_home, 'default_permissions = "dev"\n' + table)
    assert key in str(raised.value) and words in str(raised.value)
    assert "config.toml" in str(raised.value)


def test_always_adds_the_host_to_the_profile_and_keeps_the_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(PROFILE, encoding="utf-8")
    remember_domain(path, "dev", "new.test")
    text = path.read_text(encoding="utf-8")
    assert "# my settings" in text and "# keep this comment" in text and "# the test servers are on loopback" in text
    assert tomlkit.parse(text)["permissions"]["dev"]["network"]["domains"] == {  # pyright: ignore[reportIndexIssue]
        "pypi.test": "allow",
        "evil.test": "deny",
        "new.test": "allow",
    }
    fresh = tmp_path / "fresh.toml"
    remember_domain(fresh, "dev", "new.test")
    assert tomlkit.parse(fresh.read_text(encoding="utf-8"))["permissions"]["dev"]["network"]["domains"] == {  # pyright: ignore[reportIndexIssue]
        "new.test": "allow"
    }


async def run(config: agent.Config, commands: list[str], approver: Approver) -> list[str]:
    steps: list[dict[str, Any]] = [{"items": [exec_call(c, f"c{i}", login=False)]} for i, c in enumerate(commands)]
    steps.append({"items": [message("done")]})
    with ScriptedModelServer(steps) as server:
        config = agent.load_config(
            agent.ConfigOverrides(cwd=config.cwd, approval_policy=config.approval_policy),
            [f'model_providers.mock={{base_url="{server.base_url}"}}', "model_provider=mock"],
        )
        async with agent.Session(config, approvals=approver, ephemeral=True) as session:
            outcome = await session.run_turn([agent.TextInput(text="go")])
        assert outcome.status == "completed", outcome
        return [str(i["output"]) for i in server.requests[-1].body["input"] if i.get("type", "").endswith("_output")]


async def test_a_session_reaches_allowed_hosts_and_the_model_is_told_why_others_are_refused(
    repo: Path, codex_home: Path, web: Served
) -> None:
    need_bubblewrap()
    config = load(repo, codex_home, approval="never")
    outputs = await run(
        config,
        [
            f"curl -sS http://pypi.test:{web.port}/",
            f"curl -sS -o /dev/null -w '%{{http_connect}}' https://evil.test:{web.port}/",
            f"curl -sS -o /dev/null -w '%{{http_code}}' http://other.test:{web.port}/",
        ],
        Approver([]),
    )
    assert "hello from web" in outputs[0]
    assert "403" in outputs[1]
    assert (
        f"network: CONNECT evil.test:{web.port} refused (blocked-by-denylist): blocked by the network policy "
        "(profile `dev`): domain denied (evil.test matches the deny rule `evil.test`)"
    ) in outputs[1]
    assert f"network: GET other.test:{web.port} refused (blocked-by-allowlist)" in outputs[2]
    assert "other.test is not in the allowlist" in outputs[2]
    assert web.hits == [("GET", "/")]
    audit = codex_home / "log" / "network.jsonl"
    records = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [(r["method"], r["host"], r["allowed"], r["code"], r["profile"]) for r in records] == [
        ("GET", "pypi.test", True, None, "dev"),
        ("CONNECT", "evil.test", False, "blocked-by-denylist", "dev"),
        ("GET", "other.test", False, "blocked-by-allowlist", "dev"),
    ]
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600 and "/" not in "".join(str(r["host"]) for r in records)


async def test_new_hosts_are_asked_about_once_for_the_session_and_always(
    repo: Path, codex_home: Path, web: Served
) -> None:
    need_bubblewrap()
    config = load(repo, codex_home, approval="on-request")
    fetch = f"curl -sS http://other.test:{web.port}/"
    approver = Approver(["approved", "approved_for_session", "approved_execpolicy_amendment"])
    outputs = await run(config, [f"{fetch}; {fetch}", fetch, f"curl -sS http://new.test:{web.port}/"], approver)
    assert outputs[0].count("hello from web") == 2 and "hello from web" in outputs[1] and "hello from web" in outputs[2]
    assert [(r.host, r.port, r.method, r.protocol, r.profile) for r in approver.asked] == [
        ("other.test", web.port, "GET", "http", "dev"),
        ("other.test", web.port, "GET", "http", "dev"),
        ("new.test", web.port, "GET", "http", "dev"),
    ]
    assert approver.asked[0].call_id == "c0" and approver.asked[2].call_id == "c2"
    assert "is not in the allowlist of permission profile `dev`" in (approver.asked[0].reason or "")
    saved = (codex_home / "config.toml").read_text(encoding="utf-8")
    assert '"new.test" = "allow"' in saved and "# keep this comment" in saved
    assert "other.test" not in saved


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandbox")
async def test_sandboxed_commands_see_the_proxy_variables(repo: Path, codex_home: Path, web: Served) -> None:
    need_bubblewrap()
    config = load(repo, codex_home, approval="never")
    outputs = await run(config, ['echo "proxy=${CODEX_NETWORK_PROXY_ACTIVE:-none} ${HTTP_PROXY:+set}"'], Approver([]))
    assert "proxy=1 set" in outputs[0]
