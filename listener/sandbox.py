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
from connectors.fakes.reddit import FakeItem, FakeReddit
from connectors.fakes.twitter import FakeX
from listener.app import build_connectors
from listener.scenario import Script, ScriptedPost, live_posts
from listener.settings import Brand, RedditSource, RssSource, Settings, TwitterSource

DEMO_BRAND = "Acme"
# The sandbox's own credentials: passed to the connectors directly, never read from the shell.
DEMO_ENV = {
    "LISTENER_DEMO_X_TOKEN": "demo-x-token",
    "LISTENER_DEMO_REDDIT_ID": "demo-reddit-id",
    "LISTENER_DEMO_REDDIT_SECRET": "demo-reddit-secret",
}


class Sandbox:
    """Running fake servers and the settings that point Listener at them."""

    CHANNELS = ("news", "forum", "x", "reddit")

    def __init__(self, feeds: FeedServer, x: FakeX, reddit: FakeReddit) -> None:
        self.feeds = feeds
        self.x = x
        self.reddit = reddit
        self.env: Mapping[str, str] = DEMO_ENV
        self._live = random.Random(11)
        self._threads: list[FakeItem] = []

    @property
    def news_url(self) -> str:
        return self.feeds.url("/news.rss")

    @property
    def forum_url(self) -> str:
        return self.feeds.url("/forum/latest.rss")

    def publish(self, post: ScriptedPost) -> None:
        """Hand a scripted post to the fake server of its channel."""
        if post.channel == "x":
            self._tweet(post)
        elif post.channel == "reddit":
            self._reddit(post)
        else:
            self._feed_entry(post)

    def _feed_entry(self, post: ScriptedPost) -> None:
        path = "/news.rss" if post.channel == "news" else "/forum/latest.rss"
        link = f"{self.feeds.base_url}/{post.channel}/{post.id}"
        self.feeds.add_entry(
            path,
            id=link,
            title=post.title,
            summary=post.body,
            link=link,
            author=post.author,
            published=post.at,
        )

    def _tweet(self, post: ScriptedPost) -> None:
        # Some tweets are addressed to the brand's account (its outpost), the rest name it.
        to_brand = post.reach % 3 == 0
        text = f"@acme {post.body}" if to_brand else f"{post.title}. {post.body}"
        self.x.add_user(post.author, followers=post.reach)
        self.x.add_tweet(text[:280], author=post.author, created_at=post.at)

    def _reddit(self, post: ScriptedPost) -> None:
        # Questions and complaints land in the brand's own subreddit (its outpost) or as comments.
        if self._threads and post.reach % 4 == 0:
            thread = self._threads[-1 - post.reach % min(5, len(self._threads))]
            self.reddit.add_comment(thread, post.body, author=post.author, created_at=post.at)
            return
        sub = "acme" if post.reach % 2 == 0 else "gadgets"
        item = self.reddit.add_post(
            sub, post.title, post.body, author=post.author, created_at=post.at, score=post.reach
        )
        self._threads.append(item)

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
            outposts=(f"rss:{self.forum_url}", "twitter:@acme", "reddit:r/acme"),
            products=("Acme Rocket",),
        )
        every = timedelta(minutes=5)
        sources = (
            RssSource(name="demo-news", kind="rss", feeds=(self.news_url,), interval=every),
            TwitterSource(
                name="demo-x",
                kind="twitter",
                bearer_token_env="LISTENER_DEMO_X_TOKEN",
                api_base_url=self.x.base_url,
                interval=every,
            ),
            RedditSource(
                name="demo-reddit",
                kind="reddit",
                client_id_env="LISTENER_DEMO_REDDIT_ID",
                client_secret_env="LISTENER_DEMO_REDDIT_SECRET",
                user_agent="listener-demo/0.1",
                api_base_url=self.reddit.base_url,
                interval=every,
            ),
        )
        return base.model_copy(update={"brands": (brand,), "sources": sources})

    def connectors(self, settings: Settings) -> dict[str, Connector | ConnectorError]:
        return build_connectors(settings, self.env)

    def describe(self) -> list[str]:
        return [
            f"news feed (keyword search): {self.news_url}",
            f"forum outpost (the brand's own community): {self.forum_url}",
            f"X API v2 (search, @acme outpost): {self.x.base_url}",
            f"Reddit API (search, r/acme outpost): {self.reddit.base_url}",
        ]


@contextmanager
def start_sandbox(script: Script, clock: Callable[[], datetime]) -> Iterator[Sandbox]:
    """Start the fakes, publish the script on them (each post appears at its time)."""
    with (
        FeedServer(clock=clock, max_entries=50) as feeds,
        FakeX(bearer_token=DEMO_ENV["LISTENER_DEMO_X_TOKEN"], clock=clock) as x,
        FakeReddit(
            DEMO_ENV["LISTENER_DEMO_REDDIT_ID"],
            DEMO_ENV["LISTENER_DEMO_REDDIT_SECRET"],
            clock=clock,
        ) as reddit,
    ):
        sandbox = Sandbox(feeds, x, reddit)
        for post in script.posts:
            sandbox.publish(post)
        yield sandbox
