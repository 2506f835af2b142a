"""Social-text preparation: what the stored mention says, made ready for scoring and topics.

The stored text stays verbatim; this builds a separate analysis copy: HTML stripped (feeds),
entities decoded, URLs and @handles dropped, hashtags split into words, emoji spaced out,
paragraphs (title / body) kept apart as sentence boundaries.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TAG = re.compile(r"<(?:[a-zA-Z][^<>]*|/[a-zA-Z][^<>]*|!--.*?--)>", re.S)
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|tr|table)\b[^<>]*>", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_RETWEET = re.compile(r"^\s*RT\s*:?\s*")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_NOISE = re.compile(r"(?m)^\s*>+\s?|\*\*|__|~~|`")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_INVISIBLE = re.compile("[\ufe0f\u200d\u200b]")

FEED_PLATFORMS = frozenset({"rss", "atom", "feed"})
PLAIN_PLATFORMS = frozenset({"twitter", "x"})  # never HTML: "<3" is a heart, not a tag


@dataclass(frozen=True)
class Prepared:
    """The analysis copy of a mention: paragraphs joined by "\\n", plus its hashtags."""

    text: str
    hashtags: tuple[str, ...]  # lowercased, with "#", first-seen order


def strip_html(text: str) -> str:
    """Drop tags (block tags become paragraph breaks) and decode entities."""
    text = _BLOCK_TAG.sub("\n\n", text)
    return html.unescape(_TAG.sub(" ", text))


def split_hashtag(tag: str) -> str:
    """ "BrandFail" -> "Brand Fail"; "epicfail" stays one word (no dictionary segmentation)."""
    parts = _CAMEL.findall(tag)
    return " ".join(parts) if parts else tag


def _hashtags(text: str) -> tuple[str, ...]:
    seen = dict.fromkeys("#" + m.lower() for m in _HASHTAG.findall(text) if not m.isdigit())
    return tuple(seen)


def _looks_like_html(text: str, platform: str) -> bool:
    if platform in FEED_PLATFORMS:
        return True
    return platform not in PLAIN_PLATFORMS and _TAG.search(text) is not None


def _space_emoji(text: str, emoji: re.Pattern[str] | None) -> str:
    if emoji is None:
        return text
    return emoji.sub(r" \g<0> ", _INVISIBLE.sub("", text))


def _paragraphs(text: str) -> str:
    if "\n" not in text:
        return " ".join(text.split())
    paragraphs = (" ".join(p.split()) for p in text.split("\n"))  # any line break ends a thought
    return "\n".join(p for p in paragraphs if p)


def prepare(text: str, platform: str = "", emoji: re.Pattern[str] | None = None) -> Prepared:
    """Build the analysis copy of ``text`` as stored for ``platform``.

    ``emoji`` is a character-class pattern of known emoji, spaced out so "great😂" is two tokens.
    """
    if _looks_like_html(text, platform):
        text = strip_html(text)
    elif "&" in text:
        text = html.unescape(text)  # tweets arrive with "&amp;"
    if not text.isascii():
        text = _space_emoji(text.translate(_QUOTES), emoji)
    if platform == "reddit":
        text = _MD_NOISE.sub("", _MD_LINK.sub(r"\1", text))
    if "RT" in text:
        text = _RETWEET.sub("", text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    hashtags: tuple[str, ...] = ()
    if "#" in text:
        hashtags = _hashtags(text)
        text = _HASHTAG.sub(lambda m: split_hashtag(m.group(1)), text)
    return Prepared(text=_paragraphs(text), hashtags=hashtags)


def emoji_pattern(chars: str) -> re.Pattern[str] | None:
    """A pattern matching any of ``chars`` (None when there are none), as code point ranges:
    a class of thousands of single astral characters is slow to match."""
    if not chars:
        return None
    points = sorted({ord(c) for c in chars})
    ranges: list[list[int]] = []
    for p in points:
        if ranges and p <= ranges[-1][1] + 1:
            ranges[-1][1] = p
        else:
            ranges.append([p, p])
    parts = (re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile("[" + "".join(parts) + "]")
