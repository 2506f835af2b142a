"""One TOML file, validated into frozen typed settings.

Precedence: CLI options > ``LISTENER_*`` environment > file > defaults. Secrets are never in the
file: it names the environment variables that hold them (``*_env`` keys).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from listener.errors import ConfigError

DEFAULT_CONFIG = "listener.toml"
DEFAULT_DATABASE_URL = "sqlite:///listener.db"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_OUTPOST = re.compile(
    r"^(reddit:r/[A-Za-z0-9_]{2,21}|twitter:@[A-Za-z0-9_]{1,15}|rss:https?://\S+)$"
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_duration(value: str | int | float) -> timedelta:
    """``"10m"``, ``"2h"``, ``"1d"`` or a number of seconds."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 10m, 2h, 1d)")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration_field(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (this key names one)")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration_field)]
EnvName = Annotated[str, AfterValidator(_env_name)]


class StorageSettings(_Model):
    url: str = DEFAULT_DATABASE_URL
    retention_days: int | None = Field(default=None, gt=0)


class Brand(_Model):
    name: str = Field(min_length=1)
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    outposts: tuple[str, ...] = ()
    products: tuple[str, ...] = ()  # product names that carry no sentiment ("Monster", "Dove")

    @field_validator("outposts")
    @classmethod
    def _outposts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not _OUTPOST.match(value):
                raise ValueError(
                    f"bad outpost {value!r}: use reddit:r/NAME, twitter:@HANDLE or rss:URL"
                )
        return values

    @field_validator("keywords", "exclude", "products")
    @classmethod
    def _no_blank(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("empty strings are not allowed")
        return tuple(v.strip() for v in values)

    @model_validator(mode="after")
    def _something_to_watch(self) -> Brand:
        if not self.keywords and not self.outposts:
            raise ValueError(f"brand {self.name!r} needs keywords or outposts")
        return self


class _Source(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    interval: Duration = timedelta(minutes=10)
    backfill: Duration = timedelta(hours=24)
    enabled: bool = True


class RssSource(_Source):
    kind: Literal["rss"]
    feeds: tuple[str, ...] = ()

    @field_validator("feeds")
    @classmethod
    def _urls(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not re.match(r"^https?://\S+$", value):
                raise ValueError(f"not an http(s) URL: {value!r}")
        return values


class TwitterSource(_Source):
    kind: Literal["twitter"]
    bearer_token_env: EnvName = "X_BEARER_TOKEN"
    api_base_url: str | None = None
    max_pages: int = Field(default=5, ge=1, le=100)


class RedditSource(_Source):
    kind: Literal["reddit"]
    client_id_env: EnvName = "REDDIT_CLIENT_ID"
    client_secret_env: EnvName = "REDDIT_CLIENT_SECRET"
    user_agent: str = "listener/0.1"
    api_base_url: str | None = None


Source = Annotated[RssSource | TwitterSource | RedditSource, Field(discriminator="kind")]


class DetectorSettings(_Model):
    bucket: Duration = timedelta(minutes=5)
    sensitivity: Literal["fewer", "balanced", "more"] = "balanced"
    min_volume: int = Field(default=10, ge=1)
    history: Duration = timedelta(days=7)


class NlpSettings(_Model):
    spacy_model: str | None = None
    topics: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)


ReceiverKind = Literal["log", "webhook", "slack", "email", "apprise"]


class Receiver(_Model):
    """A named notification channel; which keys apply depends on ``kind``."""

    name: str = Field(min_length=1)
    kind: ReceiverKind
    url: str | None = None  # webhook: a non-secret URL; use url_env when the URL holds a token
    url_env: EnvName | None = None  # webhook URL, or the Apprise URL (it holds tokens)
    secret_env: EnvName | None = None  # HMAC-SHA256 key for the X-Listener-Signature header
    webhook_url_env: EnvName | None = None  # slack: the incoming-webhook URL
    smtp_host: str | None = None  # email
    smtp_port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: EnvName | None = None
    password_env: EnvName | None = None
    from_addr: str | None = Field(default=None, alias="from")
    to: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_has_its_keys(self) -> Receiver:
        missing = {
            "webhook": not (self.url or self.url_env) and "url or url_env",
            "slack": not self.webhook_url_env and "webhook_url_env",
            "email": not (self.smtp_host and self.from_addr and self.to)
            and "smtp_host, from and to",
            "apprise": not self.url_env and "url_env",
        }.get(self.kind)
        if missing:
            raise ValueError(f"{self.kind} receiver {self.name!r} needs {missing}")
        return self


class Route(_Model):
    """Alertmanager-style routing: the first matching child route wins (and the ones after it
    while ``continue`` is set), else this one."""

    receiver: str = Field(min_length=1)
    match: Mapping[Literal["brand", "kind", "outpost", "severity"], str] = Field(
        default_factory=dict
    )
    group_by: tuple[Literal["brand", "kind", "outpost", "severity"], ...] = ("brand",)
    group_wait: Duration = timedelta(seconds=30)
    group_interval: Duration = timedelta(minutes=5)
    repeat_interval: Duration = timedelta(hours=4)
    continue_: bool = Field(default=False, alias="continue")  # also try the next sibling
    routes: tuple[Route, ...] = ()

    def receivers(self) -> list[str]:
        """Every receiver this route and its children name."""
        return [self.receiver, *(name for r in self.routes for name in r.receivers())]


class AlertSettings(_Model):
    receivers: tuple[Receiver, ...] = (Receiver(name="log", kind="log"),)
    route: Route | None = None  # None: every receiver gets every alert (the 0.1 behaviour)
    delivery_interval: Duration = timedelta(seconds=5)
    retry_initial: Duration = timedelta(seconds=10)
    retry_max: Duration = timedelta(minutes=10)
    give_up_after: Duration = timedelta(hours=24)
    source_failures: int = Field(default=3, ge=1)  # consecutive failed polls: source_failing
    source_silent_after: Duration | None = None  # no new mention for this long: source_silent


class HttpSettings(_Model):
    timeout: float = Field(default=10.0, gt=0)
    max_bytes: int = Field(default=5_000_000, gt=0)
    user_agent: str = "listener/0.1 (+https://github.com/listener)"


class WebSettings(_Model):
    """``listener serve`` / the web app of ``listener run`` (issue 7 extends it)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key_env: EnvName = "LISTENER_SECRET_KEY"  # signs session cookies
    enabled: bool = False  # also serve the web app from ``listener run``
    https_only: bool = False  # mark the session cookie Secure (behind an HTTPS proxy)


class ClusterSettings(_Model):
    """Present only in cluster mode: Celery workers take the polls, PostgreSQL is required.

    ``queue`` names the Celery queue and scopes the database locks, so two installations may
    share a broker and a database server. A task running longer than ``task_timeout`` is killed;
    one not acknowledged within twice that (its worker died) is delivered again. A standby
    scheduler tries to become the leader every ``leader_retry``.
    """

    broker_url: str = Field(min_length=1)
    queue: str = Field(default="listener", pattern=r"^[A-Za-z0-9_.-]+$")
    task_timeout: Duration = timedelta(minutes=10)
    leader_retry: Duration = timedelta(seconds=10)

    @field_validator("broker_url")
    @classmethod
    def _broker_scheme(cls, value: str) -> str:
        if not re.match(r"^(redis|rediss|amqp|amqps)://", value):
            raise ValueError("use a redis:// or amqp:// URL")
        return value


class Settings(_Model):
    storage: StorageSettings = StorageSettings()
    brands: tuple[Brand, ...] = ()
    sources: tuple[Source, ...] = ()
    detector: DetectorSettings = DetectorSettings()
    nlp: NlpSettings = NlpSettings()
    alerts: AlertSettings = AlertSettings()
    http: HttpSettings = HttpSettings()
    web: WebSettings = WebSettings()
    cluster: ClusterSettings | None = None  # None: everything in one process


def _check_unique_names(settings: Settings, path: str) -> None:
    for label, names in (
        ("brands", [b.name for b in settings.brands]),
        ("sources", [s.name for s in settings.sources]),
        ("alerts.receivers", [r.name for r in settings.alerts.receivers]),
    ):
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ConfigError(path, f"{label}[{i}].name", f"duplicate name {name!r}")


def load_settings(path: str | Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read, validate and apply environment overrides. Raises ConfigError naming file and key."""
    path = Path(path)
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            str(path), "", "no such file (run `listener init` to write one)"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), "", f"not valid TOML: {e}") from e
    settings = _apply_env(parse_settings(data, str(path)), path, env)
    _check_cluster_database(settings, str(path))
    return settings


def default_settings(base: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The defaults, as if an empty config file lay in ``base``."""
    return _apply_env(Settings(), base / DEFAULT_CONFIG, os.environ if env is None else env)


def parse_settings(data: Mapping[str, Any], path: str = "<config>") -> Settings:
    """Validate a parsed TOML document."""
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        error = e.errors()[0]
        raise ConfigError(path, _key(error["loc"], error["type"]), _reason(error)) from None
    _check_unique_names(settings, path)
    _check_routes(settings, path)
    return settings


def _check_routes(settings: Settings, path: str) -> None:
    """Every receiver a route names is defined (Alertmanager checks this at load too)."""
    defined = {r.name for r in settings.alerts.receivers}
    route = settings.alerts.route
    for name in route.receivers() if route else ():
        if name not in defined:
            raise ConfigError(path, "alerts.route", f"undefined receiver {name!r}")


def _check_cluster_database(settings: Settings, path: str) -> None:
    if settings.cluster is not None and not settings.storage.url.startswith("postgresql"):
        raise ConfigError(
            path, "storage.url", "cluster mode needs PostgreSQL (postgresql+psycopg://...)"
        )


def _key(loc: tuple[int | str, ...], error_type: str = "") -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]"]
        elif part not in ("rss", "twitter", "reddit"):  # discriminator tags, not keys
            parts.append(str(part))
    if error_type in ("union_tag_invalid", "union_tag_not_found"):
        parts.append("kind")
    return ".".join(parts)


def _reason(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "missing or unknown kind (use rss, twitter or reddit)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _apply_env(settings: Settings, path: Path, env: Mapping[str, str]) -> Settings:
    url = env.get("LISTENER_DATABASE_URL") or settings.storage.url
    url = resolve_sqlite_path(url, path.parent)
    storage = settings.storage.model_copy(update={"url": url})
    return settings.model_copy(update={"storage": storage})


def resolve_sqlite_path(url: str, base: Path) -> str:
    """Relative SQLite paths are relative to the config file, not the working directory."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return url
    file = Path(url[len(prefix) :])
    if file.is_absolute():
        return url
    return prefix + str((base / file).resolve())


def secret(env: Mapping[str, str], name: str) -> str | None:
    """The value of the environment variable ``name``, or None; never log the value."""
    value = env.get(name, "").strip()
    return value or None


def display_url(url: str) -> str:
    """A database URL fit for logs and terminals: the password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show only its scheme
        return url.split(":", 1)[0] + ":***"
