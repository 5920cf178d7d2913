"""`pycodex login --with-api-key`, `pycodex login status`, `pycodex logout`: Codex's commands, texts and exit codes.

The key is read from standard input only (never an argument, which other users could see in the process list).
The messages go to standard error, as Codex writes them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from agent import AuthStore

LOGIN_HELP = (
    "Log in with an OpenAI API key: `printenv OPENAI_API_KEY | pycodex login --with-api-key`. The key is stored as "
    "Codex stores it (cli_auth_credentials_store: file, keyring, auto or ephemeral), so a Codex login works here and "
    "the reverse. Signing in with ChatGPT (browser, device code or access token) is not supported: it needs OpenAI's "
    "own sign-in servers."
)
CHECKED_LATER = "Authentication is checked when you send a request."
NO_CHATGPT = (
    "Signing in with ChatGPT is not supported by pycodex (it needs OpenAI's sign-in servers). Log in with an API key "
    "instead: printenv OPENAI_API_KEY | pycodex login --with-api-key"
)

ConfigOption = Annotated[list[str] | None, typer.Option("--config", "-c", help="Override a config value: key=value.")]


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


def _exit(text: str, code: int) -> NoReturn:
    _say(text)
    raise typer.Exit(code)


def _store(config: list[str] | None) -> tuple[AuthStore, str | None]:
    """The credential store and `forced_login_method` that the configuration selects."""
    import agent

    try:
        cfg = agent.load_config(agent.ConfigOverrides(), list(config or []))
    except agent.ConfigError as exc:
        _exit(f"Error loading configuration: {exc}", 1)
    return agent.AuthStore(cfg.codex_home, cfg.toml.cli_auth_credentials_store), cfg.toml.forced_login_method


def _login_with_api_key(config: list[str] | None) -> None:
    import agent

    if sys.stdin.isatty():
        _exit(
            "--with-api-key reads the key from standard input; pipe it in, e.g. "
            "`printenv OPENAI_API_KEY | pycodex login --with-api-key`",
            1,
        )
    store, forced = _store(config)
    _say("Reading API key from stdin...")
    key = sys.stdin.read().strip()
    if not key:
        _exit("No API key provided via stdin.", 1)
    if forced == "chatgpt":
        _exit("API key login is disabled. Use ChatGPT login instead.", 1)
    try:
        store.save_api_key(key)
    except agent.AuthStoreError as exc:
        _exit(f"Error logging in: {exc}", 1)
    _say(f"API key saved. {CHECKED_LATER}")


def register(app: typer.Typer) -> None:
    """Add `login` (with its `status` subcommand) and `logout` to `app`."""
    login_app = typer.Typer(help=LOGIN_HELP, invoke_without_command=True)

    @login_app.callback()
    def login(  # pyright: ignore[reportUnusedFunction]
        ctx: typer.Context,
        with_api_key: Annotated[
            bool,
            typer.Option(
                "--with-api-key",
                help="Read the API key from stdin (e.g. `printenv OPENAI_API_KEY | pycodex login --with-api-key`).",
            ),
        ] = False,
        with_access_token: Annotated[
            bool, typer.Option("--with-access-token", help="Not supported (a ChatGPT access token).")
        ] = False,
        device_auth: Annotated[bool, typer.Option("--device-auth", help="Not supported (ChatGPT device code).")] = (
            False
        ),
        config: ConfigOption = None,
    ) -> None:
        if ctx.invoked_subcommand is not None:
            ctx.obj = config
            return
        if with_access_token or device_auth or not with_api_key:
            _exit(NO_CHATGPT, 1)
        _login_with_api_key(config)

    @login_app.command("status", help="Show whether you are logged in, and with which key (masked).")
    def status(ctx: typer.Context, config: ConfigOption = None) -> None:  # pyright: ignore[reportUnusedFunction]
        import agent

        store, _forced = _store([*(ctx.obj or []), *(config or [])])
        try:
            auth = store.load()
        except agent.AuthStoreError as exc:
            _exit(f"Error checking login status: {exc}", 1)
        if auth is None:
            _exit("Not logged in", 1)
        if auth.auth_mode == "apikey" and auth.api_key:
            _exit(f"API key configured - {agent.mask_api_key(auth.api_key)}\n{CHECKED_LATER}", 0)
        _exit("Logged in using ChatGPT (pycodex cannot use a ChatGPT sign-in; it needs an API key)", 0)

    app.add_typer(login_app, name="login")

    @app.command("logout", help="Remove the stored login (auth.json and the keyring entry).")
    def logout(config: ConfigOption = None) -> None:  # pyright: ignore[reportUnusedFunction]
        import agent

        store, _forced = _store(config)
        try:
            removed = store.delete()
        except agent.AuthStoreError as exc:
            _exit(f"Error logging out: {exc}", 1)
        _exit("Successfully logged out" if removed else "Not logged in", 0)
