"""`pycodex sandbox linux|macos -- CMD...`: run one command under a sandbox policy; `pycodex sandbox status`.

Only typer is imported at module level; the sandbox internals are imported when a command runs and never pull in
pydantic or anyio. Typer itself imports pydantic whenever it parses a command line (about 100 ms), so `main()` below
parses the same arguments without typer: an entry point that hands `pycodex sandbox ...` to it directly starts a
sandboxed command in little more than Python's own start-up time.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple, cast

import typer

if TYPE_CHECKING:
    from sandbox import Confined, NetworkPolicy, Plan

# The configured values come from every config layer (system, user, trusted project, profile, `-c`), merged by
# `agent.merge_config_layers`, which needs no pydantic; `--full-auto` then picks workspace-write.
_BOOL_KEYS = (
    "sandbox_workspace_write.network_access",
    "sandbox_workspace_write.exclude_tmpdir_env_var",
    "sandbox_workspace_write.exclude_slash_tmp",
    "sandbox_allow_degraded",
)
_MODES = ("read-only", "workspace-write", "danger-full-access")

_COMMAND = typer.Argument(help="The command to run, after `--`.", show_default=False)
_CONFIG = typer.Option(
    "-c",
    "--config",
    help="Override a config value, `key=value` with a TOML value: sandbox_mode, "
    "sandbox_workspace_write.{writable_roots,network_access,exclude_tmpdir_env_var,exclude_slash_tmp}, "
    "sandbox_allow_degraded.",
)
_FULL_AUTO = typer.Option("--full-auto", help="Use the workspace-write policy (writes in the workspace, no network).")
_CD = typer.Option("-C", "--cd", help="Run in this directory (the workspace of the policy).")
_RUN_SETTINGS = {"allow_interspersed_args": False, "ignore_unknown_options": True}


class _UsageError(Exception):
    """A bad `-c` value: exit code 2."""


def _configured(pairs: list[str], cwd: Path) -> dict[str, object]:
    """The sandbox keys as configured: every layer merged (the `-c` pairs last), flattened to dotted keys."""
    import agent

    for pair in pairs:
        key, sep, _ = pair.partition("=")
        if not sep or not key.strip():
            raise _UsageError(f"-c {pair!r}: expected key=value")
    try:
        merged = agent.merge_config_layers(cwd=cwd, cli_overrides=pairs).merged
    except agent.ConfigError as exc:
        raise _UsageError(str(exc)) from None
    out: dict[str, object] = {}
    for key in ("default_permissions", "permissions"):
        if key in merged:
            out[key] = merged[key]
    if "sandbox_mode" in merged:
        out["sandbox_mode"] = merged["sandbox_mode"]
    if "sandbox_allow_degraded" in merged:
        out["sandbox_allow_degraded"] = merged["sandbox_allow_degraded"]
    table = merged.get("sandbox_workspace_write")
    if isinstance(table, dict):
        for key, value in cast("dict[str, object]", table).items():
            out[f"sandbox_workspace_write.{key}"] = value
    return out


class _Settings(NamedTuple):
    mode: str
    writable_roots: tuple[Path, ...]
    network_access: bool
    exclude_tmpdir_env_var: bool
    exclude_slash_tmp: bool
    allow_degraded: bool
    network: NetworkPolicy | None = None
    warnings: tuple[str, ...] = ()

    def plan(self, cwd: Path) -> Plan:
        from sandbox import plan_for_mode

        return plan_for_mode(
            self.mode,
            cwd,
            writable_roots=self.writable_roots,
            network_access=self.network_access,
            exclude_tmpdir_env_var=self.exclude_tmpdir_env_var,
            exclude_slash_tmp=self.exclude_slash_tmp,
        )


def _settings(overrides: dict[str, object], *, full_auto: bool) -> _Settings:
    allow_degraded = overrides.get("sandbox_allow_degraded", False)
    if not full_auto and overrides.get("default_permissions"):
        # The permission profile decides, as in a session; `--full-auto` beats it.
        return _profile_settings(overrides, allow_degraded=allow_degraded is True)
    mode = "workspace-write" if full_auto else overrides.get("sandbox_mode", "read-only")
    if mode not in _MODES:
        raise _UsageError(f"-c sandbox_mode={mode!r}: expected one of {', '.join(_MODES)}")
    flags: dict[str, bool] = {}
    for key in _BOOL_KEYS:
        value = overrides.get(key, False)
        if not isinstance(value, bool):
            raise _UsageError(f"-c {key}={value!r}: expected true or false")
        flags[key] = value
    roots = overrides.get("sandbox_workspace_write.writable_roots", [])
    if not isinstance(roots, list):
        raise _UsageError(f"-c sandbox_workspace_write.writable_roots={roots!r}: expected a list of paths")
    paths: list[Path] = []
    for root in cast("list[object]", roots):
        if not isinstance(root, str):
            raise _UsageError(f"-c sandbox_workspace_write.writable_roots: {root!r} is not a path")
        paths.append(Path(root))
    return _Settings(
        mode=str(mode),
        writable_roots=tuple(paths),
        network_access=flags["sandbox_workspace_write.network_access"],
        exclude_tmpdir_env_var=flags["sandbox_workspace_write.exclude_tmpdir_env_var"],
        exclude_slash_tmp=flags["sandbox_workspace_write.exclude_slash_tmp"],
        allow_degraded=flags["sandbox_allow_degraded"],
    )


def _profile_settings(overrides: dict[str, object], *, allow_degraded: bool) -> _Settings:
    from sandbox import ProfileError, permission_profile

    permissions: object = overrides.get("permissions", {})
    if not isinstance(permissions, dict):
        raise _UsageError("`permissions` must be a table of permission profiles")
    try:
        profile = permission_profile(cast("dict[str, object]", permissions), str(overrides["default_permissions"]))
    except ProfileError as exc:
        raise _UsageError(str(exc)) from None
    return _Settings(
        mode=profile.mode,
        writable_roots=profile.writable_roots,
        network_access=False,
        exclude_tmpdir_env_var=profile.exclude_tmpdir_env_var,
        exclude_slash_tmp=profile.exclude_slash_tmp,
        allow_degraded=allow_degraded,
        network=profile.network if profile.network.enabled and profile.mode != "danger-full-access" else None,
        warnings=profile.warnings,
    )


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"pycodex sandbox: {message}", err=True)
    return typer.Exit(code)


def _run(platform: str, command: list[str], config: list[str], *, full_auto: bool, cd: Path | None) -> int:
    import os
    import shutil
    import sys

    from sandbox import compose_env

    if not sys.platform.startswith(platform):
        raise _fail(f"`pycodex sandbox {_subcommand(platform)}` runs on {platform} only (this is {sys.platform})", 1)
    cwd = (cd or Path.cwd()).absolute()
    if not cwd.is_dir():
        raise _fail(f"no such directory: {cwd}", 2)
    try:
        settings = _settings(_configured(config, cwd), full_auto=full_auto)
    except _UsageError as exc:
        raise _fail(str(exc), 2) from None
    plan = settings.plan(cwd)
    env = compose_env(os.environ, network_restricted=not plan.network)
    if shutil.which(command[0], path=env.get("PATH")) is None and not (cwd / command[0]).is_file():
        raise _fail(f"command not found: {command[0]}", 127)
    for warning in settings.warnings:
        typer.echo(f"pycodex sandbox: warning: {warning}", err=True)
    if settings.network is not None:
        from ._sandbox_net import run_with_proxy

        return run_with_proxy(settings.network, command, plan, env=env, cwd=cwd, settings=settings, start=_start)
    return _start(command, plan, env=env, cwd=cwd, allow_degraded=settings.allow_degraded)


def _start(command: list[str], plan: Plan, *, env: dict[str, str], cwd: Path, allow_degraded: bool) -> int:
    from sandbox import confine_plan
    from sandbox.errors import SandboxError

    try:
        confined = confine_plan(command, plan, cwd=cwd, allow_degraded=allow_degraded)
    except SandboxError as exc:
        raise _fail(str(exc), 1) from None
    for warning in confined.warnings:
        typer.echo(f"pycodex sandbox: warning: {warning}", err=True)
    if confined.backend == "seatbelt":
        env["CODEX_SANDBOX"] = "seatbelt"
    return _wait(confined, env=env, cwd=cwd)


def _subcommand(platform: str) -> str:
    return "macos" if platform == "darwin" else platform


def _wait(confined: Confined, *, env: dict[str, str], cwd: Path) -> int:
    import signal
    import subprocess

    try:
        child = subprocess.Popen(confined.argv, env=env, cwd=cwd, pass_fds=confined.pass_fds)
    except OSError as exc:
        confined.release()
        raise _fail(f"cannot start {confined.argv[0]}: {exc.strerror}", 1) from None
    confined.close()

    def forward(signum: int, _frame: object) -> None:
        # The sandboxed command runs in its own session, so a terminal's Ctrl-C reaches only us: pass it on.
        child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    try:
        code = child.wait()
    finally:
        confined.release()
    return code if code >= 0 else 128 - code


def _status(as_json: bool) -> int:
    from sandbox import detect

    report = detect()
    network, problem = _network_in_force(Path.cwd())
    helper = _helper_in_use(report.backend)
    if as_json:
        import json

        data = report.to_json()
        data["helper"] = helper
        data["network"] = network.to_json() if network is not None else None
        if problem:
            data["network_problem"] = problem
        typer.echo(json.dumps(data, indent=2))
    else:
        lines = report.lines()
        if helper is not None:
            lines.append(f"inner layer (Landlock, guard): {helper}")
        if network is not None:
            lines += network.lines()
        else:
            lines.append(f"network: {problem or 'no permission profile with a network policy is in force here'}")
        typer.echo("\n".join(lines))
    return 0 if report.can_confine else 1


def _helper_in_use(backend: str) -> str | None:
    """Which sandbox helper confines commands here (built now if it can be), or None where no helper runs."""
    if backend not in ("bubblewrap", "landlock"):
        return None
    from sandbox import native_helper

    native = native_helper()
    return f"native program {native}" if native else "Python script (no C compiler built the native one)"


def _network_in_force(cwd: Path) -> tuple[NetworkPolicy | None, str | None]:
    """The network policy the config of `cwd` puts in force, or None and why not."""
    try:
        configured = _configured([], cwd)
        if not configured.get("default_permissions"):
            return None, None
        settings = _profile_settings(configured, allow_degraded=False)
    except _UsageError as exc:
        return None, f"the permission profile cannot be used: {exc}"
    if settings.network is None:
        from sandbox import NetworkPolicy

        return NetworkPolicy(profile=str(configured["default_permissions"])), None
    return settings.network, None


def register(app: typer.Typer) -> None:
    """Add the `sandbox` command group to `app`."""
    group = typer.Typer(
        name="sandbox",
        help="Run a command under a sandbox policy, or show what this machine can enforce.",
        no_args_is_help=True,
    )

    @group.command("linux", context_settings=_RUN_SETTINGS)
    def linux(  # pyright: ignore[reportUnusedFunction]
        command: Annotated[list[str], _COMMAND],
        config: Annotated[list[str] | None, _CONFIG] = None,
        full_auto: Annotated[bool, _FULL_AUTO] = False,
        cd: Annotated[Path | None, _CD] = None,
    ) -> None:
        """Run CMD under bubblewrap + seccomp (or Landlock); exit with its exit code (128+N for signal N)."""
        raise typer.Exit(_run("linux", command, config or [], full_auto=full_auto, cd=cd))

    @group.command("macos", context_settings=_RUN_SETTINGS)
    def macos(  # pyright: ignore[reportUnusedFunction]
        command: Annotated[list[str] | None, _COMMAND] = None,
        config: Annotated[list[str] | None, _CONFIG] = None,
        full_auto: Annotated[bool, _FULL_AUTO] = False,
        cd: Annotated[Path | None, _CD] = None,
        print_profile: Annotated[
            bool, typer.Option("--print-profile", help="Print the Seatbelt profile and parameters instead (any OS).")
        ] = False,
    ) -> None:
        """Run CMD under Seatbelt (sandbox-exec); exit with its exit code (128+N for signal N)."""
        if print_profile:
            raise typer.Exit(_print_profile(config or [], full_auto=full_auto, cd=cd))
        if not command:
            raise _fail("missing command: pycodex sandbox macos [OPTIONS] -- CMD...", 2)
        raise typer.Exit(_run("darwin", command, config or [], full_auto=full_auto, cd=cd))

    @group.command("status")
    def status(  # pyright: ignore[reportUnusedFunction]
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Say what this machine can and cannot enforce (exit 1 when it cannot confine at all)."""
        raise typer.Exit(_status(as_json))

    app.add_typer(group, name="sandbox")


def _print_profile(config: list[str], *, full_auto: bool, cd: Path | None) -> int:
    from sandbox import seatbelt_profile

    cwd = (cd or Path.cwd()).absolute()
    try:
        settings = _settings(_configured(config, cwd), full_auto=full_auto)
    except _UsageError as exc:
        raise _fail(str(exc), 2) from None
    plan = settings.plan(cwd)
    profile, params = seatbelt_profile(plan)
    typer.echo(profile)
    for key, value in params.items():
        typer.echo(f"; -D{key}={value}")
    return 0


_USAGE = """usage: pycodex sandbox linux [--full-auto] [-c key=value]... [-C DIR] -- CMD...
       pycodex sandbox macos [--full-auto] [-c key=value]... [-C DIR] [--print-profile] [-- CMD...]
       pycodex sandbox status [--json]"""


def main(argv: list[str]) -> int:
    """`pycodex sandbox ARGS...` without typer (see the module docstring); returns the exit code."""
    try:
        return _main(argv)
    except typer.Exit as exc:
        return exc.exit_code


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        typer.echo(_USAGE)
        return 0 if argv else 2
    sub, rest = argv[0], argv[1:]
    if sub == "status":
        if {"-h", "--help"} & set(rest):
            typer.echo(
                "usage: pycodex sandbox status [--json]\n\nSay what the sandbox can enforce on this machine "
                "(bubblewrap, Landlock, seccomp, Seatbelt) and what it cannot.\n\n  --json  Print the report as "
                "JSON."
            )
            return 0
        if any(a not in ("--json",) for a in rest):
            raise _fail(f"unexpected arguments: {' '.join(rest)}\n{_USAGE}", 2)
        return _status("--json" in rest)
    if sub not in ("linux", "macos"):
        raise _fail(f"unknown command {sub!r}\n{_USAGE}", 2)
    config: list[str] = []
    full_auto = print_profile = False
    cd: Path | None = None
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-"):
            break
        if arg in ("-h", "--help"):
            typer.echo(_USAGE)
            return 0
        if arg == "--full-auto":
            full_auto = True
        elif arg == "--print-profile" and sub == "macos":
            print_profile = True
        elif arg in ("-c", "--config", "-C", "--cd"):
            if i + 1 >= len(rest):
                raise _fail(f"{arg} needs a value", 2)
            i += 1
            if arg in ("-c", "--config"):
                config.append(rest[i])
            else:
                cd = Path(rest[i])
        elif arg.startswith("--config="):
            config.append(arg.removeprefix("--config="))
        elif arg.startswith("-c") and len(arg) > 2:
            config.append(arg[2:])
        else:
            raise _fail(f"unknown option {arg}\n{_USAGE}", 2)
        i += 1
    command = rest[i:]
    if print_profile:
        return _print_profile(config, full_auto=full_auto, cd=cd)
    if not command:
        raise _fail(f"missing command\n{_USAGE}", 2)
    return _run("darwin" if sub == "macos" else "linux", command, config, full_auto=full_auto, cd=cd)
