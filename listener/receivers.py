"""Build one notifier per configured receiver; secrets come from the environment.

A receiver whose environment variable is missing is logged and left out: its outbox rows stay
pending (and are retried) until it is configured, so nothing is lost meanwhile.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

from alerts.notify import LogNotifier, Notifier, NotifyError, WebhookNotifier
from listener.settings import Receiver, secret

log = logging.getLogger("listener.alerts")


class MissingSecret(Exception):
    """An environment variable a receiver needs is not set."""


def _env(env: Mapping[str, str], name: str | None) -> str | None:
    value = secret(env, name) if name else None
    if name and value is None:
        raise MissingSecret(name)
    return value


def build_notifier(r: Receiver, env: Mapping[str, str], timeout: float) -> Notifier:
    """The notifier for one receiver; raises MissingSecret or NotifyError."""
    if r.kind == "log":
        return LogNotifier(r.name)
    if r.kind == "webhook":
        url = r.url or _env(env, r.url_env) or ""
        key = _env(env, r.secret_env)
        return WebhookNotifier(r.name, url, secret=key.encode() if key else None, timeout=timeout)
    if r.kind == "slack":
        from alerts.slack import SlackNotifier

        return SlackNotifier(r.name, _env(env, r.webhook_url_env) or "", timeout=timeout)
    if r.kind == "email":
        return _email(r, env, timeout)
    from alerts.apprise_channel import AppriseNotifier

    return AppriseNotifier(r.name, _env(env, r.url_env) or "")


def _email(r: Receiver, env: Mapping[str, str], timeout: float) -> Notifier:
    from alerts.smtp import EmailNotifier

    return EmailNotifier(
        r.name,
        r.smtp_host or "",
        r.smtp_port,
        r.from_addr or "",
        r.to,
        starttls=r.starttls,
        username=_env(env, r.username_env),
        password=_env(env, r.password_env),
        timeout=timeout,
    )


def build_notifiers(
    receivers: Sequence[Receiver], env: Mapping[str, str] | None = None, timeout: float = 10.0
) -> dict[str, Notifier]:
    """Notifiers by receiver name; one that cannot be built is logged and left out."""
    env = os.environ if env is None else env
    built: dict[str, Notifier] = {}
    for r in receivers:
        try:
            built[r.name] = build_notifier(r, env, timeout)
        except MissingSecret as e:
            log.error("receiver %s: environment variable %s is not set; held", r.name, e)
        except NotifyError as e:
            log.error("%s; held", e)
    return built
