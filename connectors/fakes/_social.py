"""What the fake X and Reddit servers share beyond the HTTP machinery of ``_server``: a clock,
JSON fault answers, and a matcher for the search-query subset our connectors generate."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from connectors.fakes._server import FakeServer, Fault, Reply

__all__ = ["SocialServer", "parse_query"]


class SocialServer(FakeServer):
    """Base of FakeX and FakeReddit: a fake with a ``clock`` and JSON error answers."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        super().__init__()

    def inject(
        self,
        path_prefix: str,
        status: int = 200,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        malformed: bool = False,
        skip: int = 0,
        delay: float = 0.0,
    ) -> None:
        """Answer ``times`` requests under ``path_prefix`` with ``status`` (and a body that is
        not JSON when ``malformed``) instead of the normal reply, after letting ``skip`` through;
        ``delay`` seconds of silence first make client timeouts testable."""
        body = b'{"data": [truncated' if malformed else b'{"errors": ["injected"]}'
        reply = Reply(status, body, {"content-type": "application/json", **(headers or {})})
        self.add_fault(Fault(path_prefix, reply, times, skip, delay, prefix=True))


# ---- the search-query subset: words, "phrases", OR, -x / NOT x, (groups), @handle, to:x


Matcher = Callable[[Mapping[str, str]], bool]
_TOKEN = re.compile(r'\s*(\(|\)|-?"[^"]*"|-?[^\s()"]+)')


def parse_query(query: str) -> Matcher:
    """Compile a search query into a predicate over ``{"text": ..., "to": ...}`` items."""
    tokens = [t for t in _TOKEN.findall(query) if t]
    matcher, rest = _parse_or(tokens)
    if rest:
        raise ValueError(f"unexpected {rest[0]!r} in query")
    return matcher


def _parse_or(tokens: list[str]) -> tuple[Matcher, list[str]]:
    left, tokens = _parse_and(tokens)
    options = [left]
    while tokens and tokens[0] == "OR":
        right, tokens = _parse_and(tokens[1:])
        options.append(right)
    return (lambda item: any(m(item) for m in options)), tokens


def _parse_and(tokens: list[str]) -> tuple[Matcher, list[str]]:
    parts: list[Matcher] = []
    while tokens and tokens[0] not in ("OR", ")"):
        part, tokens = _parse_unary(tokens)
        parts.append(part)
    if not parts:
        raise ValueError("empty query term")
    return (lambda item: all(m(item) for m in parts)), tokens


def _parse_unary(tokens: list[str]) -> tuple[Matcher, list[str]]:
    token = tokens[0]
    if token == "NOT" or (token.startswith("-") and len(token) > 1):
        inner, rest = _parse_unary(tokens[1:] if token == "NOT" else [token[1:], *tokens[1:]])
        return (lambda item: not inner(item)), rest
    if token == "(":
        inner, rest = _parse_or(tokens[1:])
        if not rest or rest[0] != ")":
            raise ValueError("unbalanced parentheses")
        return inner, rest[1:]
    return _atom(token), tokens[1:]


def _atom(token: str) -> Matcher:
    if token.lower().startswith("to:"):
        handle = token[3:].lower()
        return lambda item: item.get("to", "").lower() == handle
    if token.lower().startswith("lang:"):
        lang = token[5:].lower()
        return lambda item: item.get("lang", "").lower() == lang
    words = token.strip('"')
    pattern = re.compile(r"(?<![\w@])" + re.escape(words) + r"(?!\w)", re.IGNORECASE)
    return lambda item: pattern.search(item.get("text", "")) is not None
