"""The context a thread starts with: base instructions, permissions, AGENTS.md and the environment."""

from __future__ import annotations

import datetime
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sandbox

from ._items import uuid7
from ._json import as_obj
from .config import Config, find_project_root

if TYPE_CHECKING:
    from .skills import SkillSet

PROJECT_DOC_SEPARATOR = "\n\n--- project-doc ---\n\n"


@cache
def default_base_instructions() -> str:
    """Our base prompt (agent/prompts/base_instructions.md)."""
    return resources.files("agent").joinpath("prompts/base_instructions.md").read_text(encoding="utf-8")


def base_instructions(config: Config) -> str:
    return config.base_instructions if config.base_instructions is not None else default_base_instructions()


def _approval_text(policy: str) -> str:
    if policy == "never":
        return (
            "Approval policy: never. Nobody will be asked to approve anything: do not request escalated "
            "permissions (`sandbox_permissions`), such requests are rejected. Work within the sandbox, and when "
            "something cannot be done inside it, say so in your answer."
        )
    if policy == "on-request":
        return (
            "Approval policy: on-request. Commands run in the sandbox without asking. When a command needs more "
            "than the sandbox allows (writing elsewhere, the network), run it with "
            '`sandbox_permissions: "require_escalated"` and a short `justification`; the user decides. Ask only '
            "when the task needs it, and never for destructive commands the user did not ask for."
        )
    if policy == "on-failure":
        return (
            "Approval policy: on-failure. Commands run in the sandbox without asking; when the sandbox blocks one, "
            "the user is asked whether to run it again without the sandbox."
        )
    return (
        "Approval policy: untrusted. Commands known to be read-only run without asking; the user approves every "
        "other command before it runs."
    )


def permissions_text(config: Config) -> str:
    """The `<permissions instructions>` block: sandbox mode, writable roots, network, approval policy."""
    policy = config.sandbox_policy
    if isinstance(policy, sandbox.ReadOnly):
        fs = "Sandbox mode: read-only. Commands may read any file but write none."
    elif isinstance(policy, sandbox.WorkspaceWrite):
        fs = (
            "Sandbox mode: workspace-write. Commands may read any file and write inside the writable roots only "
            "(the working directory and the roots listed below); `.git`, `.codex` and `.agents` stay read-only."
        )
    else:
        fs = "Sandbox mode: danger-full-access. Commands run without any sandbox."
    network = "Network access is enabled." if sandbox.has_full_network(policy) else "Network access is blocked."
    lines = [fs + " " + network, _approval_text(config.approval_policy)]
    if isinstance(policy, sandbox.WorkspaceWrite):
        roots = sorted(str(r.root) for r in sandbox.writable_roots(policy, config.cwd))
        lines.append("Writable roots: " + ", ".join(f"`{r}`" for r in roots) + ".")
    return "<permissions instructions>\n" + "\n".join(lines) + "\n</permissions instructions>"


def environment_context(config: Config, shell: str) -> str:
    """The `<environment_context>` block."""
    policy = config.sandbox_policy
    network = "enabled" if sandbox.has_full_network(policy) else "restricted"
    now = datetime.datetime.now().astimezone()
    tz = os.environ.get("TZ") or _local_timezone_name() or str(now.tzinfo)
    lines = [
        "<environment_context>",
        f"  <cwd>{config.cwd}</cwd>",
        f"  <approval_policy>{config.approval_policy}</approval_policy>",
        f"  <sandbox_mode>{config.sandbox_mode}</sandbox_mode>",
        f"  <network_access>{network}</network_access>",
    ]
    if isinstance(policy, sandbox.WorkspaceWrite):
        lines.append("  <writable_roots>")
        lines.extend(f"    <root>{r.root}</root>" for r in sandbox.writable_roots(policy, config.cwd))
        lines.append("  </writable_roots>")
    lines += [
        f"  <shell>{Path(shell).name}</shell>",
        f"  <current_date>{now.date().isoformat()}</current_date>",
        f"  <timezone>{tz}</timezone>",
        "</environment_context>",
    ]
    return "\n".join(lines)


def _local_timezone_name() -> str | None:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def _read_doc(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def agents_md_text(config: Config) -> str | None:
    """The combined AGENTS.md instructions (global, then the project's from root to cwd), or None."""
    global_text: str | None = None
    for name in ("AGENTS.override.md", "AGENTS.md"):
        text = _read_doc(config.codex_home / name)
        if text is not None and text.strip():
            global_text = text.strip()
            break
    budget = config.toml.project_doc_max_bytes
    project_docs: list[str] = []
    if budget > 0:
        names = ["AGENTS.override.md", "AGENTS.md"]
        for fallback in config.toml.project_doc_fallback_filenames:
            fallback = fallback.strip()
            if fallback and fallback not in names:
                names.append(fallback)
        cwd = config.cwd.resolve()
        root = find_project_root(cwd, config.toml.project_root_markers) or cwd
        dirs = [cwd, *[p for p in cwd.parents if p.is_relative_to(root)]]
        remaining = budget
        for directory in reversed(dirs):
            for name in names:
                text = _read_doc(directory / name)
                if text is None:
                    continue
                if text.strip() and remaining > 0:
                    data = text.encode()[:remaining]
                    remaining -= len(data)
                    project_docs.append(data.decode("utf-8", errors="ignore"))
                break
    project_text = "\n\n".join(doc.strip() for doc in project_docs) if project_docs else None
    if global_text and project_text:
        return global_text + PROJECT_DOC_SEPARATOR + project_text
    return global_text or project_text


def _message(role: str, texts: list[str]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_{uuid7()}",
        "role": role,
        "content": [{"type": "input_text", "text": t} for t in texts],
    }


def initial_context(config: Config, shell: str, skills: SkillSet | None = None) -> list[dict[str, Any]]:
    """The history items a new thread starts with, before the first user message."""
    items = [_message("developer", [base_instructions(config)])]
    developer: list[str] = []
    if config.toml.include_permissions_instructions:
        developer.append(permissions_text(config))
    if config.developer_instructions:
        developer.append(config.developer_instructions)
    if developer:
        items.append(_message("developer", developer))
    if skills is not None:
        from .skills import listing_budget, skills_instructions

        listing = skills_instructions(skills, listing_budget(config))
        if listing is not None:
            items.append(_message("developer", [listing]))
    user: list[str] = []
    agents = agents_md_text(config)
    if agents:
        user.append(f"# AGENTS.md instructions for {config.cwd}\n\n<INSTRUCTIONS>\n{agents}\n</INSTRUCTIONS>")
    if config.toml.include_environment_context:
        user.append(environment_context(config, shell))
    if user:
        items.append(_message("user", user))
    return items


def context_changes(config: Config, shell: str, last_turn_context: dict[str, Any]) -> list[dict[str, Any]]:
    """What to tell the model when a resumed thread continues under different settings than its last turn.

    A new permissions message when the sandbox or approval policy changed, and a new environment context when
    anything in it changed; nothing when all is as before.
    """
    last_policy = as_obj(last_turn_context.get("sandbox_policy"))
    policy_now = config.sandbox_policy.model_dump(mode="json")
    same_sandbox = bool(last_policy) and all(
        last_policy.get(k) == v for k, v in policy_now.items() if k in ("type", "network_access")
    )
    same_approval = last_turn_context.get("approval_policy") == config.approval_policy
    same_cwd = last_turn_context.get("cwd") == str(config.cwd)
    items: list[dict[str, Any]] = []
    if not (same_sandbox and same_approval) and config.toml.include_permissions_instructions:
        items.append(_message("developer", [permissions_text(config)]))
    if not (same_sandbox and same_approval and same_cwd) and config.toml.include_environment_context:
        items.append(_message("user", [environment_context(config, shell)]))
    return items


# ---- the repository ----------------------------------------------------------------------------------------------


def _git_dir(cwd: Path) -> Path | None:
    for directory in (cwd, *cwd.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (directory / target)
            return None
    return None


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    loose = git_dir / ref
    try:
        return loose.read_text(encoding="utf-8").strip() or None
    except OSError:
        pass
    try:
        packed = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in packed.splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and parts[1] == ref:
            return parts[0]
    return None


def git_info(cwd: Path) -> dict[str, str | None] | None:
    """`{"branch", "commit"}` of the repository containing `cwd`, or None outside one (values may be None)."""
    git_dir = _git_dir(cwd)
    if git_dir is None:
        return None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return {"branch": None, "commit": None}
    if head.startswith("ref:"):
        ref = head.removeprefix("ref:").strip()
        branch = ref.removeprefix("refs/heads/")
        common = git_dir
        commondir = git_dir / "commondir"
        if commondir.is_file():
            common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
        return {"branch": branch, "commit": _resolve_ref(git_dir, ref) or _resolve_ref(common, ref)}
    return {"branch": None, "commit": head}
