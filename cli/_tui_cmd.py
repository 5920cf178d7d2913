"""`pycodex` with no command opens the chat TUI; `pycodex resume [--last] [ID]` opens it on a past session.

Textual and the engine are imported inside the command functions only, so `pycodex --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, cast

import typer

EXIT_FAILURE = 1
EXIT_USAGE = 2

ModelOption = Annotated[str | None, typer.Option("--model", "-m", help="Model to use.")]
ProfileOption = Annotated[str | None, typer.Option("--profile", "-p", help="Config profile to use.")]
SandboxOption = Annotated[
    str | None,
    typer.Option(
        "--sandbox", "-s", help="Sandbox for model commands: read-only, workspace-write or danger-full-access."
    ),
]
ApprovalOption = Annotated[
    str | None,
    typer.Option(
        "--ask-for-approval", "-a", help="When to ask before acting: untrusted, on-failure, on-request or never."
    ),
]
CdOption = Annotated[Path | None, typer.Option("--cd", "-C", help="Work in this directory.")]
ConfigOption = Annotated[
    list[str] | None, typer.Option("--config", "-c", help="Override a config value: -c key=value (TOML).")
]
OssOption = Annotated[bool, typer.Option("--oss", help="Use the local open-source provider (Ollama).")]
FullAutoOption = Annotated[
    bool, typer.Option("--full-auto", help="Work in the workspace without asking (workspace-write, on-request).")
]
StrictOption = Annotated[bool, typer.Option("--strict-config", help="Treat unknown config keys as errors.")]


@dataclass
class TuiOptions:
    model: str | None = None
    profile: str | None = None
    sandbox: str | None = None
    approval: str | None = None
    cd: Path | None = None
    config: list[str] = field(default_factory=lambda: [])
    oss: bool = False
    full_auto: bool = False
    strict_config: bool = False


def _fail(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"Error: {message}\n")
    return typer.Exit(code)


def _check(options: TuiOptions) -> None:
    """Usage errors, found before the TUI starts (exit code 2)."""
    from agent.config import FlagError

    try:
        _overrides(options)
    except FlagError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    for override in options.config:
        if "=" not in override:
            raise _fail(f"invalid -c override (expected key=value): {override}", EXIT_USAGE)


def _overrides(options: TuiOptions) -> Any:
    """The flags as `agent.ConfigOverrides` (raises `agent.FlagError` for a bad sandbox mode or policy)."""
    import agent.config

    flags = agent.config.SessionFlags(
        model=options.model,
        profile=options.profile,
        sandbox=options.sandbox,
        approval_policy=options.approval,
        cwd=options.cd,
        oss=options.oss,
        full_auto=options.full_auto,
    )
    return agent.config.overrides_from_flags(flags)


def _load(options: TuiOptions) -> Any:
    """The session's config (an `agent.Config`) with a provider that can answer. The TUI calls this after its first
    paint; a failure ends it with the message and exit code 1 (`tui.ConfigLoadError`)."""
    import agent
    from tui import ConfigLoadError

    overrides = _overrides(options)
    try:
        config = agent.load_config(overrides, options.config, strict=options.strict_config)
        config, _notice = agent.choose_provider(config)
    except agent.ConfigError as exc:
        raise ConfigLoadError(f"Error loading configuration: {exc}", exc.exit_code) from None
    except agent.ProviderError as exc:
        raise ConfigLoadError(f"Error: {exc}", EXIT_FAILURE) from None
    return config


def _need_terminal() -> None:
    if not (os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())):
        raise _fail("pycodex needs a terminal for its chat view; for scripts use `pycodex exec PROMPT`", EXIT_USAGE)


def _run(
    options: TuiOptions, *, resume_id: str | None = None, pick_resume: bool = False, prompt: str | None = None
) -> None:
    from tui import run_tui

    # The configuration is built once the window is up (it takes a noticeable moment).
    raise typer.Exit(run_tui(lambda: _load(options), resume_id=resume_id, pick_resume=pick_resume, prompt=prompt))


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("pycodex")
        except PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
            number = "0.1.0"
        sys.stdout.write(f"pycodex {number}\n")
        raise typer.Exit(0)


def _remote_token(url: str, token_env: str | None) -> str | None:
    """The bearer token for `--remote` (usage errors: a bad address, a variable that is unset)."""
    if not url.startswith(("ws://", "wss://", "unix://")):
        raise _fail(f"--remote {url!r}: expected ws://HOST:PORT or unix://PATH", EXIT_USAGE)
    if token_env is None:
        return None
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise _fail(f"--remote-auth-token-env {token_env}: the variable is unset or empty", EXIT_USAGE)
    return token


def _load_for_remote(options: TuiOptions) -> Any:
    """The local settings a remote thread starts with (cwd, sandbox, approvals); the server runs the model."""
    import agent
    from tui import ConfigLoadError

    try:
        return agent.load_config(_overrides(options), options.config, strict=options.strict_config)
    except agent.ConfigError as exc:
        raise ConfigLoadError(f"Error loading configuration: {exc}", EXIT_FAILURE) from None


def register(app: typer.Typer) -> None:
    """Make bare `pycodex` open the TUI, and add `resume`."""

    @app.callback(invoke_without_command=True)
    def chat(  # pyright: ignore[reportUnusedFunction]
        ctx: typer.Context,
        model: ModelOption = None,
        profile: ProfileOption = None,
        sandbox: SandboxOption = None,
        approval: ApprovalOption = None,
        cd: CdOption = None,
        config: ConfigOption = None,
        oss: OssOption = False,
        full_auto: FullAutoOption = False,
        strict_config: StrictOption = False,
        prompt: Annotated[
            str | None,
            typer.Option("--prompt", hidden=True, help="The first prompt (`pycodex PROMPT` passes it here)."),
        ] = None,
        version: Annotated[
            bool,
            typer.Option("--version", "-V", is_eager=True, callback=_print_version, help="Print the version and exit."),
        ] = False,
        remote: Annotated[
            str | None,
            typer.Option("--remote", help="Attach to a running app-server (ws://HOST:PORT or unix://PATH)."),
        ] = None,
        remote_auth_token_env: Annotated[
            str | None,
            typer.Option(
                "--remote-auth-token-env", metavar="VAR", help="With --remote: the variable holding the bearer token."
            ),
        ] = None,
    ) -> None:
        """Without a command: chat with the agent in this terminal. `pycodex PROMPT` starts with that prompt."""
        del version
        if ctx.invoked_subcommand is not None:
            return
        options = TuiOptions(model, profile, sandbox, approval, cd, list(config or []), oss, full_auto, strict_config)
        _check(options)
        if remote is None:
            if remote_auth_token_env is not None:
                raise _fail("--remote-auth-token-env needs --remote", EXIT_USAGE)
            _need_terminal()
            _run(options, prompt=prompt)
            return
        token = _remote_token(remote, remote_auth_token_env)
        _need_terminal()
        from tui import run_tui

        raise typer.Exit(run_tui(lambda: _load_for_remote(options), remote=remote, remote_token=token))

    @app.command("resume", help="Open the chat on a past session: pick one, the newest (--last), or give its ID.")
    def resume(  # pyright: ignore[reportUnusedFunction]
        session_id: Annotated[str | None, typer.Argument(help="Session id or unique prefix.")] = None,
        last: Annotated[bool, typer.Option("--last", help="The most recent session of this directory.")] = False,
        all_dirs: Annotated[bool, typer.Option("--all", help="With --last: of any directory.")] = False,
        model: ModelOption = None,
        profile: ProfileOption = None,
        sandbox: SandboxOption = None,
        approval: ApprovalOption = None,
        cd: CdOption = None,
        config: ConfigOption = None,
        oss: OssOption = False,
        full_auto: FullAutoOption = False,
        strict_config: StrictOption = False,
    ) -> None:
        if last and session_id is not None:
            raise _fail("give a session ID or --last, not both", EXIT_USAGE)
        options = TuiOptions(model, profile, sandbox, approval, cd, list(config or []), oss, full_auto, strict_config)
        _check(options)
        if session_id is None and not last:
            _need_terminal()
            _run(options, pick_resume=True)
        import agent

        home = agent.codex_home(os.environ)
        try:
            if last:
                cwd = None if all_dirs else (cd or Path.cwd()).resolve()
                record = agent.latest_thread(home, cwd=cwd)
            else:
                record = agent.find_thread(home, cast(str, session_id))
        except agent.AgentError as exc:
            raise _fail(str(exc), EXIT_FAILURE) from None
        _need_terminal()
        _run(options, resume_id=record.id)
