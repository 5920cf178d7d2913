"""Configuration: the layers (system, user, trusted project, profile, -c, flags), their merge and schema,
requirements, model providers, and the one path from front-door flags to overrides.

Names load on first use (PEP 562), so importing one piece does not import the rest."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._choices import APPROVAL_POLICIES as APPROVAL_POLICIES
    from ._choices import SANDBOX_MODES as SANDBOX_MODES
    from ._edit import edit_config as edit_config
    from ._edit import write_text_atomic as write_text_atomic
    from ._flags import NO_PROVIDER_MESSAGE as NO_PROVIDER_MESSAGE
    from ._flags import FlagError as FlagError
    from ._flags import FlagNames as FlagNames
    from ._flags import Reconfiguration as Reconfiguration
    from ._flags import SessionFlags as SessionFlags
    from ._flags import check_choice as check_choice
    from ._flags import choose_provider as choose_provider
    from ._flags import needs_provider_discovery as needs_provider_discovery
    from ._flags import overrides_from_flags as overrides_from_flags
    from ._flags import reconfigured as reconfigured
    from ._layers import Source as Source
    from ._layers import codex_home as codex_home
    from ._layers import find_project_root as find_project_root
    from ._layers import override_layer as override_layer
    from ._layers import system_config_dir as system_config_dir
    from ._load import Config as Config
    from ._load import ConfigOverrides as ConfigOverrides
    from ._load import load_config as load_config
    from ._merge import MergedLayers as MergedLayers
    from ._merge import merge_config_layers as merge_config_layers
    from ._providers import ProviderInfo as ProviderInfo
    from ._providers import builtin_provider as builtin_provider
    from ._schema import ApprovalPolicy as ApprovalPolicy
    from ._schema import ConfigToml as ConfigToml
    from ._schema import ReasoningEffort as ReasoningEffort
    from ._schema import ReasoningSummary as ReasoningSummary
    from ._schema import Verbosity as Verbosity

_WHERE = {
    "system_config_dir": "._layers",
    "write_text_atomic": "._edit",
    "edit_config": "._edit",
    "reconfigured": "._flags",
    "Reconfiguration": "._flags",
    "SessionFlags": "._flags",
    "FlagNames": "._flags",
    "FlagError": "._flags",
    "overrides_from_flags": "._flags",
    "choose_provider": "._flags",
    "needs_provider_discovery": "._flags",
    "check_choice": "._flags",
    "SANDBOX_MODES": "._choices",
    "APPROVAL_POLICIES": "._choices",
    "NO_PROVIDER_MESSAGE": "._flags",
    "ApprovalPolicy": "._schema",
    "builtin_provider": "._providers",
    "codex_home": "._layers",
    "Config": "._load",
    "ConfigOverrides": "._load",
    "ConfigToml": "._schema",
    "find_project_root": "._layers",
    "override_layer": "._layers",
    "load_config": "._load",
    "merge_config_layers": "._merge",
    "MergedLayers": "._merge",
    "ProviderInfo": "._providers",
    "ReasoningEffort": "._schema",
    "ReasoningSummary": "._schema",
    "Verbosity": "._schema",
    "Source": "._layers",
}

__all__ = [
    "ReasoningSummary",
    "Verbosity",
    "system_config_dir",
    "write_text_atomic",
    "edit_config",
    "reconfigured",
    "Reconfiguration",
    "SessionFlags",
    "FlagNames",
    "FlagError",
    "overrides_from_flags",
    "choose_provider",
    "needs_provider_discovery",
    "check_choice",
    "SANDBOX_MODES",
    "APPROVAL_POLICIES",
    "NO_PROVIDER_MESSAGE",
    "ApprovalPolicy",
    "builtin_provider",
    "codex_home",
    "Config",
    "ConfigOverrides",
    "ConfigToml",
    "find_project_root",
    "override_layer",
    "load_config",
    "merge_config_layers",
    "MergedLayers",
    "ProviderInfo",
    "ReasoningEffort",
    "Source",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
