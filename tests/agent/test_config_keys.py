"""Every config key acts or is reported; unknown keys suggest the nearest one; trust stops at the project root."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import ConfigError, ConfigOverrides, UnknownConfigKeyError, load_config
from agent.config._support import NOT_SUPPORTED, NOT_SUPPORTED_YET
from agent.model._knobs import request_knobs


@pytest.fixture(autouse=True)
def system_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "etc-codex"
    path.mkdir()
    monkeypatch.setenv("PYCODEX_SYSTEM_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    return root


_EXAMPLES = {
    "history": "history.persistence='none'",
    "features": "features.unified_exec=true",
    "instructions": "instructions='be brief'",
    "notify": "notify=['notify-send']",
    "tools.update_plan": "tools.update_plan.enabled=true",
    "tools.view_image": "tools.view_image=false",
}


def _override_for(key: str) -> str:
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    return f"{key}.x=1" if key in ("tui", "otel", "agents", "hooks") else f"{key}=1"


@pytest.mark.parametrize("key", sorted(NOT_SUPPORTED_YET | NOT_SUPPORTED))
def test_each_recognised_but_unsupported_key_is_reported_once_and_is_an_error_when_strict(
    key: str, codex_home: Path, project: Path
) -> None:
    override = _override_for(key)
    config = load_config(ConfigOverrides(cwd=project), [override])
    reports = [w for w in config.warnings if "recognised but not supported by pycodex" in w]
    assert len(reports) == 1 and f"`{key}` in -c {override}" in reports[0]
    assert not any("unknown configuration key" in w for w in config.warnings)
    with pytest.raises(UnknownConfigKeyError, match=f"`{key}`"):
        load_config(ConfigOverrides(cwd=project), [override], strict=True)


@pytest.mark.parametrize(
    "override",
    [
        "service_tier=flex",
        "web_search=live",
        "tools.web_search={allowed_domains=['example.com']}",
        "model_supports_reasoning_summaries=true",
        "hide_agent_reasoning=true",
        "show_raw_agent_reasoning=true",
        "model_verbosity=high",
    ],
)
def test_keys_that_act_are_not_reported(override: str, codex_home: Path, project: Path) -> None:
    config = load_config(ConfigOverrides(cwd=project), [override], strict=True)
    assert config.warnings == ()


def test_service_tier_web_search_and_summaries_reach_the_request(codex_home: Path, project: Path) -> None:
    config = load_config(
        ConfigOverrides(cwd=project),
        [
            "service_tier=flex",
            "web_search=indexed",
            "tools.web_search={allowed_domains=['example.com'], context_size='high'}",
            "model_supports_reasoning_summaries=true",
        ],
    )
    knobs = request_knobs(config)
    assert knobs["service_tier"] == "flex"
    assert knobs["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert knobs["web_search"] == {
        "type": "web_search",
        "external_web_access": True,
        "indexed_web_access": True,
        "filters": {"allowed_domains": ["example.com"]},
        "search_content_types": ["text", "image"],
        "search_context_size": "high",
    }
    assert "web_search" not in request_knobs(load_config(ConfigOverrides(cwd=project), ["web_search=disabled"]))
    cached = request_knobs(load_config(ConfigOverrides(cwd=project)))["web_search"]
    assert cached == {"type": "web_search", "external_web_access": False, "search_content_types": ["text", "image"]}


@pytest.mark.parametrize(
    ("override", "hint"),
    [
        ("modle=x", "did you mean `model`?"),
        ("sandbox_workspace_write.writeable_roots=[]", "did you mean `sandbox_workspace_write.writable_roots`?"),
        ("profiles.fast.modle=x", "did you mean `profiles.fast.model`?"),
        ("model_providers.m.base_ur='http://x'", "did you mean `model_providers.m.base_url`?"),
        (
            "mcp_servers.s={command='x', suports_parallel_tool_calls=true}",
            "did you mean `mcp_servers.s.supports_parallel_tool_calls`?",
        ),
        (
            "mcp_servers.s={command='x', tools={echo={aproval_mode='prompt'}}}",
            "did you mean `mcp_servers.s.tools.echo.approval_mode`?",
        ),
        ("mcp_servers.s={url='http://x/mcp', oauth={client_di='a'}}", "did you mean `mcp_servers.s.oauth.client_id`?"),
    ],
)
def test_unknown_keys_suggest_the_nearest_known_key_even_in_sub_tables(
    override: str, hint: str, codex_home: Path, project: Path
) -> None:
    config = load_config(ConfigOverrides(cwd=project), [override])
    assert any(hint in w for w in config.warnings), config.warnings
    with pytest.raises(UnknownConfigKeyError, match="did you mean"):
        load_config(ConfigOverrides(cwd=project), [override], strict=True)


def test_an_invalid_approval_policy_is_refused_even_when_a_flag_replaces_it(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text('approval_policy = "nevr"\n')
    with pytest.raises(ConfigError, match="approval_policy.*'nevr'.*choose from") as caught:
        load_config(ConfigOverrides(cwd=project, approval_policy="never"))
    assert caught.value.exit_code == 1  # a file's mistake
    with pytest.raises(ConfigError) as from_flag:
        load_config(ConfigOverrides(cwd=project, approval_policy="never"), ["approval_policy=sometimes"])
    assert from_flag.value.exit_code == 2


def test_a_c_value_that_is_not_valid_toml_names_the_key(codex_home: Path, project: Path) -> None:
    with pytest.raises(ConfigError, match=r"-c model_providers\.x: the value is not valid TOML") as caught:
        load_config(ConfigOverrides(cwd=project), ['model_providers.x={name="x"'])
    assert caught.value.exit_code == 2
    assert "ModelProviderToml" not in str(caught.value)


def test_cd_to_a_file_says_it_is_not_a_directory(codex_home: Path, tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(ConfigError, match="is not a directory") as caught:
        load_config(ConfigOverrides(cwd=file))
    assert caught.value.exit_code == 2


def _trust(codex_home: Path, path: Path) -> None:
    (codex_home / "config.toml").write_text(f'[projects."{path}"]\ntrust_level = "trusted"\n')


def test_project_config_above_the_repository_root_is_not_loaded(codex_home: Path, tmp_path: Path) -> None:
    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex" / "config.toml").write_text('model = "from-above"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".codex").mkdir()
    (repo / ".codex" / "config.toml").write_text('model_verbosity = "high"\n')
    _trust(codex_home, repo)
    config = load_config(ConfigOverrides(cwd=repo))
    assert config.model == "gpt-5.5"
    assert config.verbosity == "high"
    assert config.project_codex_dirs == (repo / ".codex",)


def test_a_malformed_config_in_an_untrusted_project_is_not_read_and_said_once(codex_home: Path, project: Path) -> None:
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text("model = = broken\n")
    config = load_config(ConfigOverrides(cwd=project))
    notices = [w for w in config.warnings if "not trusted" in w]
    assert len(notices) == 1 and f'[projects."{project}"]' in notices[0]
    _trust(codex_home, project)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(ConfigOverrides(cwd=project))


def test_the_untrusted_hint_never_suggests_trusting_the_filesystem_root(
    codex_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.config._merge import untrusted_notice

    notice = untrusted_notice(Path("/.codex/config.toml"), Path("/"), codex_home / "config.toml")
    assert 'projects."/"' not in notice and "project's own folder" in notice
    monkeypatch.setenv("HOME", str(tmp_path))
    notice = untrusted_notice(tmp_path / ".codex" / "config.toml", tmp_path, codex_home / "config.toml")
    assert "trust_level" not in notice


def test_unsupported_provider_keys_are_reported(codex_home: Path, project: Path) -> None:
    config = load_config(ConfigOverrides(cwd=project), ["model_providers.m={base_url='http://x'}"])
    assert not [w for w in config.warnings if "model_providers" in w]
    config = load_config(
        ConfigOverrides(cwd=project), ["model_providers.m={base_url='http://x', supports_websockets=true}"]
    )
    assert any("`model_providers.m.supports_websockets`" in w for w in config.warnings)


def test_managed_config_is_a_layer_above_the_flags_and_pins_its_values(
    codex_home: Path, project: Path, system_dir: Path
) -> None:
    (system_dir / "managed_config.toml").write_text('model = "managed-model"\napproval_policy = "on-request"\n')
    config = load_config(ConfigOverrides(cwd=project), ["model=from-flag"])
    assert config.model == "managed-model"
    assert config.source_of("model").label == "managed"
    pinned = load_config(ConfigOverrides(cwd=project, approval_policy="never"))
    assert pinned.approval_policy == "on-request"
    assert any("not allowed by requirements.toml" in w for w in pinned.warnings)


def test_allowed_approvals_reviewers_without_user_selects_the_automatic_reviewer(
    codex_home: Path, project: Path, system_dir: Path
) -> None:
    (system_dir / "requirements.toml").write_text('allowed_approvals_reviewers = ["user", "auto_review"]\n')
    assert load_config(ConfigOverrides(cwd=project)).approval_policy == "on-request"
    (system_dir / "requirements.toml").write_text('allowed_approvals_reviewers = ["auto_review"]\n')
    assert load_config(ConfigOverrides(cwd=project)).toml.approvals_reviewer == "auto_review"
    (system_dir / "requirements.toml").write_text('allowed_approvals_reviewers = ["robot"]\n')
    with pytest.raises(ConfigError, match="non-empty list"):
        load_config(ConfigOverrides(cwd=project))


def test_allowed_web_search_modes_and_unenforced_requirements(
    codex_home: Path, project: Path, system_dir: Path
) -> None:
    (system_dir / "requirements.toml").write_text('allowed_web_search_modes = ["disabled"]\nenforce_residency = "us"\n')
    config = load_config(ConfigOverrides(cwd=project), ["web_search=live"])
    assert "web_search" not in request_knobs(config)
    assert any("web_search `live` is not allowed" in w for w in config.warnings)
    assert any("`enforce_residency`, which pycodex does not enforce" in w for w in config.warnings)


def test_an_mcp_server_key_pycodex_does_not_act_on_is_reported(codex_home: Path, project: Path) -> None:
    override = "mcp_servers.s={url='http://x/mcp', http_headers_helper=['print-headers']}"
    config = load_config(ConfigOverrides(cwd=project), [override])
    assert [w for w in config.warnings if "mcp_servers.s.http_headers_helper" in w] == [
        f"recognised but not supported by pycodex: `mcp_servers.s.http_headers_helper` in -c {override}. These keys are"
        " ignored."
    ]
    with pytest.raises(UnknownConfigKeyError, match="http_headers_helper"):
        load_config(ConfigOverrides(cwd=project), [override], strict=True)
