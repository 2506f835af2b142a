"""Language detection by script and stop-word ratio: no dependency, microseconds per text.

Built for one question (can VADER score this?), so it leans English: a Latin-script text is
called something else only when that language's function words clearly outnumber English ones.
Short texts with too little evidence get None, and None is scored as English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Function words frequent in each language and rare in the others (English homographs such as
# "a", "as", "do", "in", "on", "die", "was", "also", "me", "no", "son" are left out of the
# other languages' lists).
STOP_WORDS: Mapping[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "i a in on the and is are was were of to you your it its this that with for not be"
        " have has had my we they he she i'm it's don't can't what when there their at from"
        " but just"
        " will would about been get got our me so an by or do does did than too very as",
        "fr": "le la les des est et une du pas pour dans qui que je vous nous sur avec ce cette"
        " mais ou sont été très au aux ne plus leur il elle c'est j'ai n'est",
        "es": "el los las del es y una por para que con se su sus pero muy está esta este"
        " como más mi yo lo al ya hay también fue cuando todo gracias",
        "de": "der das und ist nicht ein eine mit sich auf für ich du sie es wir den dem des"
        " ist sind war aber noch nur oder auch sehr wie bei zum zur bitte danke",
        "it": "il lo gli della che è non per una sono con del alla questo questa ma anche"
        " molto più mi ho hai sei grazie perché",
        "pt": "os da das dos que é não uma com para por mas muito está isso"
        " essa esse meu minha você obrigado também",
        "nl": "de het een en van ik je niet dat op zijn met voor maar ook wel naar er bij"
        " heb hebben deze dit wat nog geen bedankt",
    }.items()
}

# Non-Latin scripts as (first, last) code point ranges; checked by the share of letters.
SCRIPTS: tuple[tuple[str, int, int], ...] = (
    ("ru", 0x0400, 0x04FF),
    ("el", 0x0370, 0x03FF),
    ("he", 0x0590, 0x05FF),
    ("ar", 0x0600, 0x06FF),
    ("hi", 0x0900, 0x097F),
    ("th", 0x0E00, 0x0E7F),
    ("ko", 0xAC00, 0xD7AF),
    ("ja", 0x3040, 0x30FF),
    ("zh", 0x4E00, 0x9FFF),
)
MIN_WORDS = 3  # fewer Latin words than this: too short to tell
MIN_FOREIGN_HITS = 2  # a non-English call needs at least this many of its function words


def _script(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            code = ord(ch)
            if code >= 0x0370:
                for lang, first, last in SCRIPTS:
                    if first <= code <= last:
                        counts[lang] = counts.get(lang, 0) + 1
                        break
    if not counts or letters == 0:
        return None
    lang, count = max(counts.items(), key=lambda kv: kv[1])
    if count * 2 < letters:
        return None
    return "ja" if lang == "zh" and "ja" in counts else lang  # kanji with kana is Japanese


def _by_stop_words(words: Sequence[str]) -> str | None:
    distinct = set(words)  # "y-y" is not two Spanish words
    hits = {lang: len(distinct & stops) for lang, stops in STOP_WORDS.items()}
    english = hits.pop("en")
    lang, best = max(hits.items(), key=lambda kv: kv[1])
    if best >= MIN_FOREIGN_HITS and best > english * 1.5:
        return lang
    if english >= MIN_FOREIGN_HITS:
        return "en"
    return "en" if sum(1 for w in words if w.isalpha()) >= MIN_WORDS else None


def detect_language(text: str, lowers: Sequence[str] | None = None) -> str | None:
    """The language code of ``text`` ("en", "fr", "ru", ...), None when too short to tell.

    ``lowers`` are the text's lowercase tokens when the caller has them (punctuation ignored).
    """
    if not text.isascii():
        script = _script(text)
        if script is not None:
            return script
    return _by_stop_words(_WORD.findall(text.lower()) if lowers is None else lowers)
