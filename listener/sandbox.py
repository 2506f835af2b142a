"""The demo sandbox: fake platform servers on 127.0.0.1 fed from a script.

The fakes speak the real wire formats (RSS with ETag), so the demo drives the real connectors.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

from connectors import Connector, ConnectorError
from connectors.fakes.feeds import FeedServer
from listener.app import build_connectors
from listener.scenario import Script, ScriptedPost, live_posts
from listener.settings import Brand, RssSource, Settings

DEMO_BRAND = "Acme"


class Sandbox:
    """Running fake servers and the settings that point Listener at them."""

    CHANNELS = ("news", "forum")

    def __init__(self, feeds: FeedServer) -> None:
        self.feeds = feeds
        self.env: Mapping[str, str] = {}
        self._live = random.Random(11)

    @property
    def news_url(self) -> str:
        return self.feeds.url("/news.rss")

    @property
    def forum_url(self) -> str:
        return self.feeds.url("/forum/latest.rss")

    def publish(self, post: ScriptedPost) -> None:
        """Hand a scripted post to the fake server of its channel."""
        path = "/news.rss" if post.channel == "news" else "/forum/latest.rss"
        self.feeds.add_entry(
            path,
            id=f"{self.feeds.base_url}/{post.channel}/{post.id}",
            title=post.title,
            summary=post.body,
            link=f"{self.feeds.base_url}/{post.channel}/{post.id}",
            author=post.author,
            published=post.at,
        )

    def post_normal(self, now: datetime, seconds: float) -> None:
        """A little live chatter, after the script has played."""
        for post in live_posts(now, seconds, self._live, self.CHANNELS):
            self.publish(post)

    def settings(self, base: Settings) -> Settings:
        """The user's storage, detector, NLP and receivers; the sandbox's brand and sources."""
        brand = Brand(
            name=DEMO_BRAND,
            keywords=("acme", "acme corp"),
            exclude=("roadrunner",),
            outposts=(f"rss:{self.forum_url}",),
            products=("Acme Rocket",),
        )
        news = RssSource(
            name="demo-news", kind="rss", feeds=(self.news_url,), interval=timedelta(minutes=5)
        )
        return base.model_copy(update={"brands": (brand,), "sources": (news,)})

    def connectors(self, settings: Settings) -> dict[str, Connector | ConnectorError]:
        return build_connectors(settings, self.env)

    def describe(self) -> list[str]:
        return [
            f"news feed (keyword search): {self.news_url}",
            f"forum outpost (the brand's own community): {self.forum_url}",
        ]


@contextmanager
def start_sandbox(script: Script, clock: Callable[[], datetime]) -> Iterator[Sandbox]:
    """Start the fakes, publish the script on them (each post appears at its time)."""
    with FeedServer(clock=clock, max_entries=50) as feeds:
        sandbox = Sandbox(feeds)
        for post in script.posts:
            sandbox.publish(post)
        yield sandbox
