"""Config layering, provenance, overrides, profiles, unknown keys, requirements and project trust."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent import ConfigError, ConfigOverrides, UnknownConfigKeyError, load_config
from agent.config._layers import parse_override, split_dotted_key
from sandbox import ReadOnly, WorkspaceWrite


@pytest.fixture
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


def test_defaults_without_any_file(codex_home: Path, system_dir: Path, project: Path) -> None:
    config = load_config(ConfigOverrides(cwd=project))
    assert config.model == "gpt-5.5"
    assert config.provider.id == "openai"
    assert config.approval_policy == "on-request"
    assert isinstance(config.sandbox_policy, ReadOnly)
    assert config.codex_home == codex_home
    assert config.source_of("model").label == "default"


def test_user_file_sets_values_and_explain_names_file_and_line(
    codex_home: Path, system_dir: Path, project: Path
) -> None:
    (codex_home / "config.toml").write_text(
        '# comment\nmodel = "o3"\n\n[sandbox_workspace_write]\nnetwork_access = true\n'
    )
    config = load_config(ConfigOverrides(cwd=project))
    assert config.model == "o3"
    assert config.toml.sandbox_workspace_write.network_access is True
    source = config.source_of("model")
    assert (source.label, source.path, source.line) == ("user", codex_home / "config.toml", 2)
    assert config.source_of("sandbox_workspace_write.network_access").line == 5
    rows = {key: (value, str(src)) for key, value, src in config.explain()}
    assert rows["model"] == ("o3", f"user ({codex_home / 'config.toml'}:2)")


def test_system_file_is_below_the_user_file(codex_home: Path, system_dir: Path, project: Path) -> None:
    (system_dir / "config.toml").write_text('model = "from-system"\nmodel_reasoning_effort = "high"\n')
    (codex_home / "config.toml").write_text('model = "from-user"\n')
    config = load_config(ConfigOverrides(cwd=project))
    assert config.model == "from-user"
    assert config.reasoning_effort == "high"
    assert config.source_of("model_reasoning_effort").label == "system"


def test_dash_c_values_are_toml_or_strings(codex_home: Path, project: Path) -> None:
    config = load_config(
        ConfigOverrides(cwd=project),
        [
            "model=o3",
            'model_reasoning_effort="low"',
            "sandbox_workspace_write.network_access=true",
            "sandbox_workspace_write.writable_roots=['/data']",
            "sandbox_mode=workspace-write",
        ],
    )
    assert config.model == "o3"
    assert config.reasoning_effort == "low"
    assert isinstance(config.sandbox_policy, WorkspaceWrite)
    assert config.sandbox_policy.network_access is True
    assert config.sandbox_policy.writable_roots == (Path("/data"),)
    assert str(config.source_of("model")) == "-c model=o3"


def test_parse_override_errors_name_the_flag() -> None:
    with pytest.raises(ConfigError, match="missing '='"):
        parse_override("model")
    with pytest.raises(ConfigError, match="empty key"):
        parse_override("=x")
    assert parse_override("use_legacy_landlock=true") == (["features", "use_legacy_landlock"], True)
    assert parse_override("a.b=  'quoted'  ") == (["a", "b"], "quoted")


def test_split_dotted_key_keeps_quoted_segments() -> None:
    assert split_dotted_key('projects."/a.b/c".trust_level') == ["projects", "/a.b/c", "trust_level"]


def test_profile_applies_above_files_and_below_flags(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text(
        'model = "base"\nprofile = "fast"\n[profiles.fast]\nmodel = "fast-model"\napproval_policy = "never"\n'
        '[profiles.deep]\nmodel_reasoning_effort = "xhigh"\n'
    )
    config = load_config(ConfigOverrides(cwd=project))
    assert (config.model, config.approval_policy, config.active_profile) == ("fast-model", "never", "fast")
    assert config.source_of("model").label == "profile fast"
    assert config.source_of("model").line == 4
    deep = load_config(ConfigOverrides(cwd=project, profile="deep"))
    assert (deep.model, deep.reasoning_effort) == ("base", "xhigh")
    flagged = load_config(ConfigOverrides(cwd=project, model="flag-model"), ["approval_policy=untrusted"])
    assert (flagged.model, flagged.approval_policy) == ("flag-model", "untrusted")


def test_unknown_profile_is_an_error(codex_home: Path, project: Path) -> None:
    with pytest.raises(ConfigError, match="config profile `nope` not found"):
        load_config(ConfigOverrides(cwd=project, profile="nope"))


def test_unknown_keys_warn_with_file_and_line(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text('model = "x"\nmodle = "typo"\n[tools]\nfrobnicate = true\n')
    config = load_config(ConfigOverrides(cwd=project))
    assert config.warnings == (
        f"unknown configuration key `modle` in user ({codex_home / 'config.toml'}:2) (ignored)",
        f"unknown configuration key `tools.frobnicate` in user ({codex_home / 'config.toml'}:4) (ignored)",
    )


def test_strict_config_makes_an_unknown_key_an_error_naming_key_and_file(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text('modle = "typo"\n')
    with pytest.raises(UnknownConfigKeyError) as info:
        load_config(ConfigOverrides(cwd=project), strict=True)
    assert info.value.key == "modle"
    assert str(codex_home / "config.toml") in str(info.value)


def test_codex_keys_we_do_not_use_are_accepted_silently(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text('file_opener = "vscode"\nhide_agent_reasoning = true\n[tui]\nx = 1\n')
    assert load_config(ConfigOverrides(cwd=project)).warnings == ()


def test_a_wrong_type_names_the_key_and_where_it_was_set(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text('approval_policy = "sometimes"\n')
    with pytest.raises(ConfigError) as info:
        load_config(ConfigOverrides(cwd=project))
    assert info.value.key == "approval_policy"
    assert f"{codex_home / 'config.toml'}:1" in str(info.value)


def test_invalid_toml_names_the_file(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text("model = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(ConfigOverrides(cwd=project))


def test_project_config_loads_only_when_trusted(codex_home: Path, project: Path) -> None:
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text('model = "project-model"\n')
    untrusted = load_config(ConfigOverrides(cwd=project))
    assert untrusted.model == "gpt-5.5"
    assert any("not trusted" in w and str(project) in w for w in untrusted.warnings)
    (codex_home / "config.toml").write_text(f'[projects."{project}"]\ntrust_level = "trusted"\n')
    trusted = load_config(ConfigOverrides(cwd=project))
    assert trusted.model == "project-model"
    assert trusted.source_of("model").label == "project"
    # A trust decision makes workspace-write the default sandbox, as in Codex.
    assert isinstance(trusted.sandbox_policy, WorkspaceWrite)


def test_nested_project_layers_closest_to_cwd_win(codex_home: Path, project: Path) -> None:
    sub = project / "pkg"
    (sub / ".codex").mkdir(parents=True)
    (project / ".codex").mkdir()
    (project / ".codex" / "config.toml").write_text('model = "root"\nmodel_verbosity = "high"\n')
    (sub / ".codex" / "config.toml").write_text('model = "pkg"\n')
    (codex_home / "config.toml").write_text(f'[projects."{project}"]\ntrust_level = "trusted"\n')
    config = load_config(ConfigOverrides(cwd=sub))
    assert (config.model, config.verbosity) == ("pkg", "high")


def test_requirements_constrain_approval_and_sandbox(codex_home: Path, system_dir: Path, project: Path) -> None:
    (system_dir / "requirements.toml").write_text(
        'allowed_approval_policies = ["untrusted", "on-request"]\nallowed_sandbox_modes = ["read-only"]\n'
    )
    (codex_home / "config.toml").write_text('approval_policy = "never"\nsandbox_mode = "danger-full-access"\n')
    config = load_config(ConfigOverrides(cwd=project))
    assert config.approval_policy == "untrusted"
    assert isinstance(config.sandbox_policy, ReadOnly)
    assert len(config.warnings) == 2 and all("requirements.toml" in w for w in config.warnings)


def test_requirements_must_allow_read_only(system_dir: Path, project: Path) -> None:
    (system_dir / "requirements.toml").write_text('allowed_sandbox_modes = ["workspace-write"]\n')
    with pytest.raises(ConfigError, match="must include `read-only`"):
        load_config(ConfigOverrides(cwd=project))


def test_custom_provider_and_unknown_provider(codex_home: Path, project: Path) -> None:
    (codex_home / "config.toml").write_text(
        'model_provider = "local"\n[model_providers.local]\nbase_url = "http://127.0.0.1:8000/v1"\n'
        'wire_api = "chat"\nenv_key = "LOCAL_KEY"\nrequest_max_retries = 1\nquery_params = { api-version = "1" }\n'
    )
    config = load_config(ConfigOverrides(cwd=project))
    assert config.provider.wire_api == "chat"
    assert config.provider.request_max_retries == 1
    assert config.provider.url("chat/completions") == "http://127.0.0.1:8000/v1/chat/completions?api-version=1"
    with pytest.raises(ConfigError, match="unknown model provider `nope`"):
        load_config(ConfigOverrides(cwd=project), ["model_provider=nope"])


def test_oss_flag_selects_ollama_with_its_default_model(codex_home: Path, project: Path) -> None:
    config = load_config(ConfigOverrides(cwd=project, oss=True))
    assert config.provider.id == "ollama"
    assert config.provider.wire_api == "chat"
    assert config.model == "gpt-oss:20b"


def test_config_explain_command_prints_value_and_source(codex_home: Path, tmp_path: Path) -> None:
    (codex_home / "config.toml").write_text('model = "o3"\n')
    out = subprocess.run(
        [sys.executable, "-m", "cli", "config", "explain", "model"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert out == f"model  o3  ← user ({codex_home / 'config.toml'}:1)\n"
    flagged = subprocess.run(
        [sys.executable, "-m", "cli", "config", "explain", "-c", "model=o4", "model"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert flagged == "model  o4  ← -c model=o4\n"
