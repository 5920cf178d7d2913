"""The model's edit tool: verify a patch, decide whether it may be written, ask if needed, then write it all or nothing.

The decision follows Codex's `assess_patch_safety`: a patch whose every path is writable under the sandbox policy
is applied without asking; otherwise the approval policy decides (ask, or reject with Codex's texts under `never`).
Paths are checked lexically and through symlinks, so a link inside the workspace cannot carry a write outside it.
"""

from __future__ import annotations

import time
from pathlib import Path

import sandbox

from .. import apply_patch as ap
from .._protocol import ApplyPatchApprovalRequest, FileChange, PatchApplyBegin, PatchApplyEnd, TurnDiff
from ._approvals import ask
from ._auto_review import denial_text
from ._base import ToolContext, TurnAbort
from ._truncate import rust_float

Policy = sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess


def path_is_writable(policy: Policy, cwd: Path, path: Path) -> bool:
    """Whether `path` may be written under `policy` (the sandbox's check: lexical and through symlinks)."""
    return sandbox.is_path_writable(policy, cwd, path)


def write_roots(policy: Policy, cwd: Path, paths: tuple[Path, ...]) -> list[Path]:
    """The directories a patch's writes must stay beneath: the policy's writable roots, and for each path the
    policy does not make writable (it is written only with the user's approval) its nearest existing directory.

    Opened as `apply_patch.WriteRoots` before any approval is asked, so that a command swapping a folder for a
    symbolic link in the meantime cannot redirect the write (issue 14).
    """
    if isinstance(policy, sandbox.DangerFullAccess):
        return [Path("/")]
    roots = [root.root for root in sandbox.writable_roots(policy, cwd)]
    for path in paths:
        if not path_is_writable(policy, cwd, path):
            nearest = path.parent
            while not nearest.is_dir() and nearest != nearest.parent:
                nearest = nearest.parent
            roots.append(nearest)
    return roots


def event_changes(plan: ap.PatchPlan) -> dict[str, FileChange]:
    """The changes of a plan as front ends see them, keyed by absolute path."""
    out: dict[str, FileChange] = {}
    for change in plan.changes:
        if change.kind == "add":
            out[str(change.abs_path)] = FileChange(type="add", content=change.new_content or "")
        elif change.kind == "delete":
            out[str(change.abs_path)] = FileChange(type="delete", content=change.old_content)
        else:
            out[str(change.abs_path)] = FileChange(
                type="update",
                unified_diff=change.git_diff or change.unified_diff,
                move_path=str(change.abs_move_path) if change.abs_move_path else None,
            )
    return out


def _outside_reason(policy: Policy) -> str:
    if isinstance(policy, sandbox.ReadOnly):
        return "The sandbox is read-only: nothing may be written without your approval."
    return "The patch writes outside the writable roots."


def _exec_style(code: int, seconds: float, output: str) -> str:
    return f"Exit code: {code}\nWall time: {rust_float(seconds)} seconds\nOutput:\n{output}"


async def run_apply_patch(ctx: ToolContext, call_id: str, patch_text: str, *, cwd: Path | None = None) -> str:
    """Verify, vet, approve and apply one patch; return the text the model receives."""
    config = ctx.config
    cwd = cwd or config.cwd
    started = time.monotonic()
    try:
        plan = ap.verify_patch(patch_text, cwd)
    except ap.NoChangesError:
        return "patch rejected: empty patch"
    except ap.PatchParseError as exc:
        return f"apply_patch verification failed: {exc.codex_display}"
    except ap.ApplyPatchError as exc:
        return f"apply_patch verification failed: {exc.text}"

    policy: Policy = config.sandbox_policy
    with ap.WriteRoots(write_roots(policy, config.cwd, plan.affected_paths)) as roots:
        return await _vet_and_apply(ctx, call_id, plan, roots, started)


async def _vet_and_apply(
    ctx: ToolContext, call_id: str, plan: ap.PatchPlan, roots: ap.WriteRoots, started: float
) -> str:
    config = ctx.config
    policy: Policy = config.sandbox_policy
    approval = config.approval_policy
    all_writable = all(path_is_writable(policy, config.cwd, p) for p in plan.affected_paths)
    changes = event_changes(plan)
    auto = approval != "untrusted" and (all_writable or approval == "on-failure")
    if not auto:
        if approval == "never":
            reason = (
                "writing is blocked by read-only sandbox"
                if isinstance(policy, sandbox.ReadOnly)
                else "writing outside of the project"
            )
            return f"patch rejected: {reason}; rejected by user approval settings"
        request = ApplyPatchApprovalRequest(
            call_id=call_id,
            changes=changes,
            reason=None if all_writable else _outside_reason(policy),
            grant_root=None,
        )
        decision = await ask(ctx, request, [str(p) for p in plan.affected_paths])
        if decision == "abort":
            raise TurnAbort
        if decision == "denied":
            return denial_text(ctx, call_id, "patch rejected by user")

    ctx.diff_tracker.remember(plan.affected_paths)
    await ctx.emit(PatchApplyBegin(call_id=call_id, auto_approved=auto, changes=changes))
    try:
        result = plan.apply(roots)
    except ap.ApplyPatchError as exc:
        await ctx.emit(
            PatchApplyEnd(call_id=call_id, stdout="", stderr=exc.text + "\n", success=False, changes=changes)
        )
        return _exec_style(1, time.monotonic() - started, exc.text + "\n")
    summary = result.summary
    for change in plan.changes:
        if change.kind == "update" and change.abs_move_path is None:
            # The patch's own diff is the turn's diff of the file when this is its first change in the turn.
            ctx.diff_tracker.note_patch(change.abs_path, change.old_content, change.new_content, change.git_diff)
    await ctx.emit(PatchApplyEnd(call_id=call_id, stdout=summary, stderr="", success=True, changes=changes))
    diff = ctx.diff_tracker.unified_diff(config.cwd)
    if diff:
        await ctx.emit(TurnDiff(unified_diff=diff))
    return _exec_style(0, time.monotonic() - started, summary)
