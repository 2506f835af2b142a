"""Assemble a running Listener from settings: storage, connectors, analyzer, alerter, pipeline."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from connectors import Connector, ConnectorError
from listener.alerting import Alerter
from listener.outbox import Deliverer
from listener.pipeline import AnalyzerLike, Pipeline
from listener.receivers import build_notifiers
from listener.settings import Settings
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


def build_pipeline(
    settings: Settings,
    storage: Storage,
    *,
    connectors: Mapping[str, Connector | ConnectorError] | None = None,
    env: Mapping[str, str] | None = None,
) -> Pipeline:
    notifiers = build_notifiers(settings.alerts.receivers, env, settings.http.timeout)
    deliverer = Deliverer(settings.alerts, storage, notifiers)
    if connectors is None:
        connectors = build_connectors(settings, env)
    analyzer = build_analyzer(settings)
    return Pipeline(settings, storage, connectors, analyzer, Alerter(settings, storage), deliverer)


def close_pipeline(pipeline: Pipeline) -> None:
    """Close every connector's and receiver's HTTP connections."""
    for connector in pipeline.connectors.values():
        if not isinstance(connector, ConnectorError):
            connector.close()
    for notifier in pipeline.deliverer.notifiers.values():
        close = getattr(notifier, "close", None)  # only HTTP receivers hold connections
        if close is not None:
            close()
