"""One tokenisation shared by sentiment, language detection and keyphrases."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

_PIECE = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")
PARAGRAPH = "\n"  # token closing each paragraph (title, body)


@dataclass(frozen=True)
class Tokens:
    """Words, numbers, emoticons and single punctuation marks, as written and lowercased."""

    words: list[str]
    lowers: list[str]


def _split(paragraph: str) -> tuple[list[str], list[str]]:
    words, lowers = paragraph.split(), paragraph.lower().split()
    if len(words) != len(lowers):  # a rare character whose lowercase holds a space
        lowers = [w.lower() for w in words]
    return words, lowers


def tokenize(text: str, emoticons: Container[str] = ()) -> Tokens:
    """Split ``text`` (paragraphs on lines); a whitespace chunk that is an emoticon (":)",
    "<3") stays whole, others split into words (with inner ' and -) and punctuation marks."""
    words: list[str] = []
    lowers: list[str] = []
    for paragraph in text.split("\n"):
        for raw, low in zip(*_split(paragraph), strict=True):
            if low.isalnum() or low in emoticons:
                words.append(raw)
                lowers.append(low)
                continue
            for piece in _PIECE.findall(raw):
                words.append(piece)
                lowers.append(piece.lower())
        words.append(PARAGRAPH)
        lowers.append(PARAGRAPH)
    return Tokens(words, lowers)
