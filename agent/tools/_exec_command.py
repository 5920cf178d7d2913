"""`exec_command`: from the model's call to a running command, through Codex's decision pipeline.

1. An escalation request (`sandbox_permissions: "require_escalated"`) outside `on-request` is refused at once.
2. A patch typed into the shell goes to apply_patch instead.
3. The exec policy (rules, then heuristics) says skip, ask, or forbid.
4. Asking goes through the approval handler; decisions can be remembered for the session or as a prefix rule.
5. The command runs sandboxed, unless escalation was approved or a rule allowed every part of it.
6. If the sandbox probably denied it and the policy asks about failures (`on-failure`, `untrusted`), the user is
   asked whether to run it again without the sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio

import sandbox

from .. import apply_patch as ap
from .. import execpolicy
from .._protocol import ExecApprovalRequest
from ._approvals import ask
from ._auto_review import denial_text
from ._base import ArgumentError, ToolContext, TurnAbort, TurnFatal, resolve_path
from ._exec_sessions import ExecToolError, shell_argv
from ._patch import run_apply_patch

JsonObject = dict[str, Any]
Policy = sandbox.ReadOnly | sandbox.WorkspaceWrite | sandbox.DangerFullAccess

_POLICY_DEBUG_NAMES = {"never": "Never", "untrusted": "UnlessTrusted", "on-failure": "OnFailure"}
REJECTED_BY_USER = "exec command rejected by user"
RETRY_REASON = "command failed; retry without sandbox?"


def _rust_debug(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def rejection_text(reason: str) -> str:
    """Codex's tool output for a command the policy refused (models were trained on this exact shape)."""
    inner = f"Rejected({_rust_debug(reason)})"
    return f"exec_command failed: CreateProcess {{ message: {_rust_debug(inner)} }}"


def _approval_key(argv: list[str], cwd: Path, escalated: bool) -> str:
    return json.dumps([argv, str(cwd), escalated])


async def _remember_rule(ctx: ToolContext, prefix: tuple[str, ...]) -> None:
    state = ctx.approval_state
    state.policy = (state.policy or execpolicy.Policy.empty()).with_prefix_rule(prefix)
    if state.rules_file is not None:
        rules_file = state.rules_file
        try:
            await anyio.to_thread.run_sync(execpolicy.append_allow_rule, rules_file, prefix)
        except execpolicy.AmendError as exc:
            from .._protocol import Warning

            await ctx.emit(Warning(message=f"could not save the approved rule to {rules_file}: {exc}"))


async def run_exec_command(ctx: ToolContext, call_id: str, args: JsonObject) -> str:
    """Handle one `exec_command` call and return the model's output text."""
    cmd = args.get("cmd")
    if not isinstance(cmd, str):
        raise ArgumentError("failed to parse function arguments: missing field `cmd`")
    config = ctx.config
    workdir = args.get("workdir")
    cwd = resolve_path(config.cwd, workdir) if isinstance(workdir, str) and workdir else config.cwd
    shell_value = args.get("shell")
    shell = shell_value if isinstance(shell_value, str) and shell_value else ctx.shell
    login_value = args.get("login")
    login = config.toml.allow_login_shell if login_value is None else bool(login_value)
    if login and not config.toml.allow_login_shell:
        raise ArgumentError("login shell is disabled by config; omit `login` or set it to false.")
    argv = shell_argv(shell, cmd, login=login)

    escalate = args.get("sandbox_permissions") == "require_escalated"
    approval = config.approval_policy
    if escalate and approval != "on-request":
        debug = _POLICY_DEBUG_NAMES.get(approval, approval)
        return (
            f"approval policy is {debug}; reject command \u2014 you cannot ask for escalated permissions if the "
            f"approval policy is {debug}"
        )

    invocation = ap.extract_shell_invocation(argv)
    if invocation is not None:
        # A patch typed into the shell is applied as the apply_patch tool would, never run as a command.
        patch_text, patch_dir = invocation
        return await run_apply_patch(ctx, call_id, patch_text, cwd=resolve_path(cwd, patch_dir or "."))
    if ap.is_implicit_invocation(argv):
        return ap.IMPLICIT_INVOCATION_MESSAGE

    raw_prefix = args.get("prefix_rule")
    prefix_rule = [str(p) for p in raw_prefix] if isinstance(raw_prefix, list) else None  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if ctx.approval_state.policy is None:
        ctx.approval_state.policy = execpolicy.Policy.empty()
    requirement = execpolicy.exec_approval_requirement(
        ctx.approval_state.policy,
        argv,
        approval_policy=approval,
        sandbox=config.sandbox_mode,
        requests_escalation=escalate,
        prefix_rule=prefix_rule,
    )
    policy: Policy = config.sandbox_policy
    approved_by_user = False
    if isinstance(requirement, execpolicy.Forbidden):
        return rejection_text(requirement.reason)
    if isinstance(requirement, execpolicy.NeedsApproval):
        justification = args.get("justification")
        request = ExecApprovalRequest(
            call_id=call_id,
            command=tuple(argv),
            cwd=str(cwd),
            reason=justification if isinstance(justification, str) and justification else requirement.reason,
            proposed_execpolicy_amendment=requirement.proposed_amendment,
        )
        decision = await ask(ctx, request, [_approval_key(argv, cwd, escalate)])
        if decision == "abort":
            raise TurnAbort
        if decision == "denied":
            return denial_text(ctx, call_id, REJECTED_BY_USER)
        if decision == "approved_execpolicy_amendment" and requirement.proposed_amendment:
            await _remember_rule(ctx, requirement.proposed_amendment)
        approved_by_user = True
        if escalate:
            policy = sandbox.DangerFullAccess()
    elif requirement.bypass_sandbox:
        policy = sandbox.DangerFullAccess()

    if login_value is True and ctx.exec_sessions.shell_snapshot is not None:
        ctx.exec_sessions.shell_snapshot.mark_stale()  # asked for a login shell: it runs for real, then recapture
    text, code = await _run(ctx, call_id, argv, cwd, policy, args, snapshot=login and login_value is None)
    if code is None or code == 0 or isinstance(policy, sandbox.DangerFullAccess):
        return text
    if approval not in ("on-failure", "untrusted"):
        return text
    if not sandbox.is_likely_sandbox_denied(policy, code, text):
        return text
    if not approved_by_user:
        retry_request = ExecApprovalRequest(call_id=call_id, command=tuple(argv), cwd=str(cwd), reason=RETRY_REASON)
        decision = await ask(ctx, retry_request, [])
        if decision == "abort":
            raise TurnAbort
        if decision == "denied":
            return text
    retry, _ = await _run(ctx, call_id, argv, cwd, sandbox.DangerFullAccess(), args)
    return retry


async def _run(
    ctx: ToolContext,
    call_id: str,
    argv: list[str],
    cwd: Path,
    policy: Policy,
    args: JsonObject,
    *,
    snapshot: bool = False,
) -> tuple[str, int | None]:
    config = ctx.config
    env = sandbox.build_env(
        ctx.env_policy,
        # The network marker follows the session's policy even for an unsandboxed retry, as in Codex.
        sandbox_policy=config.sandbox_policy,
        thread_id=ctx.thread_id,
    )
    proxy = ctx.network_proxy if not sandbox.has_full_network(policy) else None
    route, seen = (proxy.route, proxy.seq) if proxy is not None else (None, 0)
    if route is not None:
        # The network is there, through the proxy: the proxy variables replace the "no network" marker.
        env.pop("CODEX_SANDBOX_NETWORK_DISABLED", None)
        env.update(route.env())
    try:
        text, code = await ctx.exec_sessions.exec_command(
            call_id,
            argv,
            cwd=cwd,
            env=env,
            policy=policy,
            policy_cwd=config.cwd,
            tty=bool(args.get("tty")),
            args=args,
            network_proxy=route,
            # Only for a command confined like the session: the snapshot file never runs outside the sandbox.
            snapshot=snapshot and policy == config.sandbox_policy,
        )
    except sandbox.SandboxUnavailableError as exc:
        raise TurnFatal(str(exc)) from None
    except FileNotFoundError as exc:
        raise ExecToolError(f"exec_command failed: {exc}") from None
    blocked = proxy.blocked_since(seen) if proxy is not None else []
    if blocked:
        from ._network import blocked_note

        # What a client printed (often only "403") is completed with the policy's reason for each refusal.
        text = text.rstrip("\n") + "\n" + blocked_note(blocked)
    return text, code
