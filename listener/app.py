"""Assemble a running Listener from settings: storage, connectors, analyzer, alerter, pipeline."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

from alerts.notify import LogNotifier, Notifier, WebhookNotifier
from connectors import Connector, ConnectorError
from listener.alerting import Alerter
from listener.pipeline import AnalyzerLike, Pipeline
from listener.settings import Receiver, Settings, secret
from listener.sources import build_connector, plan_sources
from listener.storage import Storage

log = logging.getLogger("listener")


def open_storage(settings: Settings) -> Storage:
    """Open the database and apply migrations (idempotent)."""
    storage = Storage(settings.storage.url)
    storage.upgrade()
    return storage


def build_analyzer(settings: Settings) -> AnalyzerLike:
    """The NLP analyzer, with every brand's names neutral for sentiment."""
    from nlp import Analyzer  # spaCy loads here, not at import

    terms = [t for b in settings.brands for t in (b.name, *b.keywords, *b.products)]
    return Analyzer(
        brand_terms=terms,
        taxonomy={k: list(v) for k, v in settings.nlp.topics.items()},
        spacy_model=settings.nlp.spacy_model,
    )


def build_connectors(
    settings: Settings, env: Mapping[str, str] | None = None
) -> dict[str, Connector | ConnectorError]:
    """One connector per enabled source; a source that cannot start keeps its error."""
    built: dict[str, Connector | ConnectorError] = {}
    for source in plan_sources(settings):
        try:
            built[source.name] = build_connector(source, settings, env)
        except ConnectorError as e:
            built[source.name] = e
    return built


def build_notifiers(
    receivers: Sequence[Receiver], env: Mapping[str, str] | None = None, timeout: float = 10.0
) -> list[Notifier]:
    env = os.environ if env is None else env
    notifiers: list[Notifier] = []
    for r in receivers:
        if r.kind == "log":
            notifiers.append(LogNotifier(r.name))
            continue
        url = r.url or (secret(env, r.url_env) if r.url_env else None)
        if url is None:
            log.error("receiver %s: environment variable %s is not set; skipped", r.name, r.url_env)
            continue
        key = secret(env, r.secret_env) if r.secret_env else None
        notifiers.append(
            WebhookNotifier(r.name, url, secret=key.encode() if key else None, timeout=timeout)
        )
    return notifiers


def build_pipeline(
    settings: Settings,
    storage: Storage,
    *,
    connectors: Mapping[str, Connector | ConnectorError] | None = None,
    env: Mapping[str, str] | None = None,
) -> Pipeline:
    notifiers = build_notifiers(settings.alerts.receivers, env, settings.http.timeout)
    alerter = Alerter(settings, storage, notifiers)
    if connectors is None:
        connectors = build_connectors(settings, env)
    return Pipeline(settings, storage, connectors, build_analyzer(settings), alerter)


def close_pipeline(pipeline: Pipeline) -> None:
    for connector in pipeline.connectors.values():
        if not isinstance(connector, ConnectorError):
            connector.close()
