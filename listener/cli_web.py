"""Web app commands (issue 7): ``listener serve``, ``listener user add|token``."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listener.cli_common import (
    DEFAULT_CONFIG,
    ConfigOption,
    VerboseOption,
    fail,
    load_config,
    open_db,
    setup_logging,
)
from listener.settings import Settings

if TYPE_CHECKING:
    from listener.storage import Storage

log = logging.getLogger("listener.web")
user_app = typer.Typer(help="Web app users.", no_args_is_help=True)
MIN_PASSWORD = 8


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app."""
    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")


def secret_key(settings: Settings, env: dict[str, str] | None = None) -> str:
    """The session-signing key from the configured env var, or a random one (with a warning)."""
    env = dict(os.environ) if env is None else env
    key = env.get(settings.web.secret_key_env)
    if key:
        return key
    log.warning(
        "%s is not set: sessions are signed with a random key and end at restart",
        settings.web.secret_key_env,
    )
    return secrets.token_urlsafe(32)


def build_server(settings: Settings, storage: Storage, host: str, port: int) -> Any:
    """A uvicorn server for the web app (not started)."""
    import uvicorn

    from listener.web import create_app

    app = create_app(storage, secret_key(settings), https_only=settings.web.https_only)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)
    return uvicorn.Server(config)


def serve_in_thread(settings: Settings, storage: Storage) -> threading.Thread:
    """Start the web app in a daemon thread next to the scheduler (``listener run``)."""
    server = build_server(settings, storage, settings.web.host, settings.web.port)
    server.install_signal_handlers = lambda: None  # the scheduler owns SIGINT/SIGTERM
    thread = threading.Thread(target=server.run, name="listener-web", daemon=True)
    thread.start()
    return thread


def serve_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    host: Annotated[str | None, typer.Option(help="Address (default: web.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web.port).")] = None,
    verbose: VerboseOption = False,
) -> None:
    """Serve the web app (review queue, alerts, history, API) alone, without polling."""
    setup_logging(verbose, logging.INFO)
    settings = load_config(config, defaults_if_missing=True)
    storage = open_db(settings)
    try:
        build_server(settings, storage, host or settings.web.host, port or settings.web.port).run()
    finally:
        storage.close()


def _password(password_env: str | None) -> str:
    if password_env is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    value = os.environ.get(password_env)
    if value is None:
        raise fail(f"--password-env: environment variable {password_env} is not set")
    return value


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.")],
    role: Annotated[str, typer.Option(help="viewer, manager or admin.")] = "viewer",
    password_env: Annotated[
        str | None, typer.Option(help="Read the password from this environment variable.")
    ] = None,
    config: ConfigOption = Path(DEFAULT_CONFIG),
) -> None:
    """Add a web user (or reset one's role and password); the password is prompted for."""
    from listener.records import ROLES
    from listener.web.security import hash_password

    if role not in ROLES:
        raise fail("--role must be viewer, manager or admin")
    if not name.strip() or len(name) > 64:
        raise fail("NAME must be 1 to 64 characters")
    password = _password(password_env)
    if len(password) < MIN_PASSWORD:
        raise fail(f"the password must have at least {MIN_PASSWORD} characters")
    storage = open_db(load_config(config, defaults_if_missing=True))
    try:
        storage.save_user(name, role, hash_password(password), datetime.now(UTC))
    finally:
        storage.close()
    typer.echo(f"user {name} saved ({role})")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    config: ConfigOption = Path(DEFAULT_CONFIG),
) -> None:
    """Create an API token for a user and print it once (only its digest is stored)."""
    from listener.web.security import new_api_token

    storage = open_db(load_config(config, defaults_if_missing=True))
    try:
        user = storage.get_user(name=name)
        if user is None:
            raise fail(f"no user {name!r}", 1)
        token = new_api_token()
        storage.add_api_token(user.id, token, label, datetime.now(UTC))
    finally:
        storage.close()
    typer.echo(token)
