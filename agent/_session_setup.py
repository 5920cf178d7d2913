"""What a session needs before its first turn, and the shape of user input in history."""

from __future__ import annotations

import base64
import datetime
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

from ._protocol import ImageUrlInput, LocalImageInput, TextInput, UserInput
from .config import Config
from .model import JsonObject

if TYPE_CHECKING:
    from .execpolicy import Policy


def load_exec_policy(config: Config) -> tuple[Policy | None, str | None]:
    """The rules of `$CODEX_HOME/rules/` and of trusted projects (None when there are none); a broken file leaves an
    empty policy and a warning."""
    paths = [config.codex_home / "rules", *(d / "rules" for d in config.project_codex_dirs)]
    if not any(path.exists() for path in paths):
        return None, None
    from . import execpolicy

    try:
        return execpolicy.load_policy(paths), None
    except execpolicy.ExecPolicyError as exc:
        return execpolicy.Policy.empty(), f"exec policy rules were not loaded: {exc}"


def now_timestamp() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def oauth_settings(config: Config) -> Any:
    import mcp_client

    return mcp_client.McpOAuthSettings(
        credentials_store=config.toml.mcp_oauth_credentials_store,
        callback_port=config.toml.mcp_oauth_callback_port,
        callback_url=config.toml.mcp_oauth_callback_url,
    )


def http_client(config: Config) -> httpx2.AsyncClient:
    # Building a TLS context costs ~0.2 s; a plain-http provider (a local server) never needs one.
    plain = config.provider.base_url.startswith("http://")
    return httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=None), verify=not plain)


def user_input_item(items: tuple[UserInput, ...] | list[UserInput], cwd: Path) -> tuple[JsonObject, str, list[str]]:
    """The history message for user input, its plain text, and the image paths (errors name the bad file)."""
    content: list[JsonObject] = []
    texts: list[str] = []
    images: list[str] = []
    image_number = 0
    for entry in items:
        if isinstance(entry, TextInput):
            content.append({"type": "input_text", "text": entry.text})
            texts.append(entry.text)
        elif isinstance(entry, LocalImageInput):
            image_number += 1
            path = entry.path if entry.path.is_absolute() else cwd / entry.path
            data = path.read_bytes()
            mime = mimetypes.guess_type(path.name)[0] or "image/png"
            content.append({"type": "input_text", "text": f'<image name=[Image #{image_number}] path="{entry.path}">'})
            content.append(
                {
                    "type": "input_image",
                    "image_url": f"data:{mime};base64,{base64.b64encode(data).decode()}",
                    "detail": "original",
                }
            )
            content.append({"type": "input_text", "text": "</image>"})
            images.append(str(entry.path))
        elif isinstance(entry, ImageUrlInput):  # pyright: ignore[reportUnnecessaryIsInstance]
            content.append({"type": "input_image", "image_url": entry.image_url})
            images.append(entry.image_url)
    return {"type": "message", "role": "user", "content": content}, "\n".join(texts), images
