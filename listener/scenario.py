"""The demo's script: a brand's normal chatter, then a flash revolt (pure and seeded).

``ScriptedPost`` records are timed on a simulated clock; the demo hands them to the fake servers,
which publish each one when the clock reaches it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

CHANNELS = ("news", "forum", "x", "reddit")

_NORMAL = (
    (
        "Acme launches a new colour range for the Rocket line",
        "Acme announced new colours today.",
        "neutral",
    ),
    ("Anyone tried the Acme Rocket yet?", "Thinking of buying one, opinions welcome.", "neutral"),
    (
        "Love my new Acme kettle",
        "Boils in a minute, quiet, looks great. Happy customer!",
        "positive",
    ),
    (
        "Acme support sorted my order quickly",
        "Great service from the Acme team, thanks!",
        "positive",
    ),
    ("Acme quarterly results out", "Revenue in line with expectations, says Acme.", "neutral"),
    ("Acme delivery was a day late", "Not a big deal but a bit annoying.", "negative"),
    ("Where can I find Acme spare parts?", "Looking for a replacement lid.", "neutral"),
    ("Acme vs Globex: which blender?", "Comparing the two for my kitchen.", "neutral"),
    ("Fantastic Acme hiking boots", "Two years in and still excellent.", "positive"),
    ("Acme app update is nice", "The new dashboard is cleaner and faster.", "positive"),
)
_REVOLT = (
    (
        "Acme charged me twice and support won't refund",
        "Still waiting for my refund after 3 weeks. #AcmeFail",
        "negative",
    ),
    (
        "My Acme Rocket battery caught fire",
        "This is dangerous. Acme needs to recall these NOW. #AcmeFail",
        "negative",
    ),
    (
        "Acme refund scandal",
        "Hundreds of customers say Acme charged them twice. Terrible.",
        "negative",
    ),
    (
        "Never buying Acme again",
        "Battery overheated, no refund, support hung up on me. Awful.",
        "negative",
    ),
    (
        "Acme ignoring customers",
        "Charged twice, no refund, no answer. Worst company ever #AcmeFail",
        "negative",
    ),
    (
        "Is my Acme Rocket safe?",
        "Seeing reports of battery fires, should I stop using it?",
        "neutral",
    ),
    (
        "Acme recall when?",
        "Battery fire reports everywhere and Acme says nothing. Disgraceful.",
        "negative",
    ),
)


@dataclass(frozen=True)
class ScriptedPost:
    id: str
    at: datetime
    channel: str  # one of CHANNELS
    title: str
    body: str
    author: str
    reach: int
    intended: str  # the sentiment the script meant, for the demo's own checks


@dataclass(frozen=True)
class Script:
    start: datetime
    end: datetime
    revolt_start: datetime
    revolt_end: datetime
    posts: tuple[ScriptedPost, ...]


def build_script(
    end: datetime,
    *,
    hours: float = 10.0,
    revolt_at: float = 0.62,
    revolt_minutes: int = 60,
    channels: tuple[str, ...] = ("news", "forum"),
    seed: int = 7,
) -> Script:
    """``hours`` of chatter ending at ``end``; a revolt begins ``revolt_at`` of the way in."""
    rng = random.Random(seed)
    start = end - timedelta(hours=hours)
    revolt_start = start + timedelta(hours=hours * revolt_at)
    revolt_end = revolt_start + timedelta(minutes=revolt_minutes)
    stamp = start.strftime("%Y%m%d%H%M")
    posts: list[ScriptedPost] = []
    moment = start
    while moment < end:
        rate = _rate(moment, revolt_start, revolt_end)
        for _ in range(_poisson(rng, rate)):
            posts.append(
                _post(
                    rng,
                    stamp,
                    len(posts),
                    moment,
                    channels,
                    moment >= revolt_start and moment < revolt_end,
                )
            )
        moment += timedelta(minutes=1)
    return Script(start, end, revolt_start, revolt_end, tuple(posts))


def _rate(moment: datetime, revolt_start: datetime, revolt_end: datetime) -> float:
    """Posts per simulated minute: about one a minute, a surge during the revolt."""
    if revolt_start <= moment < revolt_end:
        minutes = (moment - revolt_start).total_seconds() / 60
        return 2.0 + min(minutes, 15.0) * 0.4  # ramps up over a quarter of an hour
    return 0.9


def _poisson(rng: random.Random, rate: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < rate:
        count += 1
        total += rng.expovariate(1.0)
    return count


def _post(
    rng: random.Random,
    stamp: str,
    index: int,
    minute: datetime,
    channels: tuple[str, ...],
    revolting: bool,
) -> ScriptedPost:
    pool = _REVOLT if revolting and rng.random() < 0.85 else _NORMAL
    title, body, intended = rng.choice(pool)
    return ScriptedPost(
        id=f"demo-{stamp}-{index}",
        at=minute + timedelta(seconds=rng.randrange(60)),
        channel=rng.choice(channels),
        title=title,
        body=body,
        author=f"user{rng.randrange(1, 5000)}",
        reach=int(rng.lognormvariate(5, 1.5)),
        intended=intended,
    )


def live_posts(
    now: datetime, seconds: float, rng: random.Random, channels: tuple[str, ...]
) -> list[ScriptedPost]:
    """Normal chatter for the last ``seconds`` before ``now``, with ids unique to ``now``."""
    stamp = now.strftime("live%Y%m%d%H%M%S%f")
    count = _poisson(rng, _rate(now, now, now) * seconds / 60)
    return [
        _post(rng, stamp, i, now - timedelta(seconds=60), channels, revolting=False)
        for i in range(count)
    ]
