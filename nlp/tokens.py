"""One tokenisation shared by sentiment, language detection and keyphrases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORDS_AND_MARKS = r"\w+(?:['-]\w+)*|[^\w\s]|\n"  # a line break is a paragraph token
PLAIN = re.compile(_WORDS_AND_MARKS)
PARAGRAPH = "\n"  # token closing each paragraph (title, body)
_CAPS_RUN = re.compile(r"[^\W\d_a-z]{2}")  # two capitals in a row


@dataclass(frozen=True)
class Tokens:
    """Words, numbers, emoticons and single punctuation marks, as written and lowercased."""

    words: list[str]
    lowers: list[str]


def token_pattern(emoticons: Iterable[str]) -> re.Pattern[str]:
    """Words (with inner ' and -), punctuation marks, and ``emoticons`` kept whole when they
    stand alone and start with a mark (":)", "<3", ":-(")."""
    marked = {e.lower() for e in emoticons if e[:1] and not e[0].isalnum()}
    if not marked:
        return PLAIN
    alternation = "|".join(re.escape(e) for e in sorted(marked, key=len, reverse=True))
    # the lookahead keeps the long alternation off every chunk that starts with a letter
    return re.compile(rf"(?<!\S)(?=[^\w\s])(?:{alternation})(?!\S)|{_WORDS_AND_MARKS}")


def tokenize(text: str, pattern: re.Pattern[str] = PLAIN) -> Tokens:
    """Split ``text`` into tokens; each line is a paragraph closed by a PARAGRAPH token.

    Matching runs on the lowercased text (the emoticons in ``pattern`` are lowercase); the
    tokens as written are kept apart only when the text has capitals in a row (ALL CAPS)."""
    low = text.lower()
    if len(low) == len(text) and _CAPS_RUN.search(text) is not None:
        matches = list(pattern.finditer(low))
        lowers = [m.group() for m in matches]
        words = [text[m.start() : m.end()] for m in matches]
        words.append(PARAGRAPH)
    else:
        lowers = pattern.findall(low)
        words = lowers  # the same list: no capitals worth keeping
    lowers.append(PARAGRAPH)
    return Tokens(words, lowers)
