"""Build connectors from settings: secrets are read from the environment here, and only here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from connectors import AuthError, BrandWatch, Connector
from listener.matching import watches
from listener.settings import (
    HttpSettings,
    RedditSource,
    RssSource,
    Settings,
    Source,
    TwitterSource,
    secret,
)

RSS_OUTPOSTS_SOURCE = "rss-outposts"


def plan_sources(settings: Settings) -> tuple[Source, ...]:
    """The configured sources, with RSS outposts attached to the first RSS source (or to an
    implicit ``rss-outposts`` source when there is none)."""
    sources = [s for s in settings.sources if s.enabled]
    outposts = list(rss_outpost_map(settings))
    if not outposts:
        return tuple(sources)
    for i, source in enumerate(sources):
        if isinstance(source, RssSource):
            feeds = tuple(dict.fromkeys((*source.feeds, *outposts)))
            sources[i] = source.model_copy(update={"feeds": feeds})
            return tuple(sources)
    implicit = RssSource(name=RSS_OUTPOSTS_SOURCE, kind="rss", feeds=tuple(outposts))
    return (*sources, implicit)


def rss_outpost_map(settings: Settings) -> dict[str, str]:
    """Feed URL -> outpost string, for every ``rss:`` outpost."""
    outposts = (o for b in settings.brands for o in b.outposts)
    return {o.removeprefix("rss:"): o for o in outposts if o.startswith("rss:")}


def build_connector(
    source: Source, settings: Settings, env: Mapping[str, str] | None = None
) -> Connector:
    """A connector for ``source``; raises ``connectors.AuthError`` when a secret is missing."""
    env = os.environ if env is None else env
    brand_watches = watches(settings.brands)
    if isinstance(source, RssSource):
        return _rss(source, rss_outpost_map(settings), settings.http)
    if isinstance(source, TwitterSource):
        return _twitter(source, brand_watches, env, settings.http)
    return _reddit(source, brand_watches, env, settings.http)


def _rss(source: RssSource, outposts: dict[str, str], http: HttpSettings) -> Connector:
    from connectors.rss import RssConnector

    return RssConnector(
        source.name,
        source.feeds,
        outposts=outposts,
        timeout=http.timeout,
        max_bytes=http.max_bytes,
        user_agent=http.user_agent,
    )


def _require(source: str, env: Mapping[str, str], name: str) -> str:
    value = secret(env, name)
    if value is None:
        raise AuthError(source, name, "the environment variable is not set")
    return value


def _twitter(
    source: TwitterSource,
    brand_watches: Sequence[BrandWatch],
    env: Mapping[str, str],
    http: HttpSettings,
) -> Connector:
    from connectors.twitter import TwitterConnector

    return TwitterConnector(
        source.name,
        bearer_token=_require(source.name, env, source.bearer_token_env),
        credential_env=source.bearer_token_env,
        watches=brand_watches,
        api_base_url=source.api_base_url,
        backfill=source.backfill,
        max_pages=source.max_pages,
        timeout=http.timeout,
    )


def _reddit(
    source: RedditSource,
    brand_watches: Sequence[BrandWatch],
    env: Mapping[str, str],
    http: HttpSettings,
) -> Connector:
    from connectors.reddit import RedditConnector

    return RedditConnector(
        source.name,
        client_id=_require(source.name, env, source.client_id_env),
        client_secret=_require(source.name, env, source.client_secret_env),
        credential_envs=(source.client_id_env, source.client_secret_env),
        user_agent=source.user_agent,
        watches=brand_watches,
        api_base_url=source.api_base_url,
        backfill=source.backfill,
        timeout=http.timeout,
    )
