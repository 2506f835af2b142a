"""The app's errors.

    ListenerError
    ├── ConfigError          a bad config file: names the file, the key and the reason
    ├── InputFileError       a CSV or JSON Lines input is unusable: names file, line and why
    ├── SourceError          a source failed this cycle (wraps a connectors.ConnectorError)
    └── NotifyError          a receiver could not be reached

Storage raises ``listener.storage.StorageError`` (a ListenerError too). The leaf packages
(``connectors``, ``nlp``, ``alerts``) never import ``listener``, so they raise their own roots
(``connectors.ConnectorError``...), which the pipeline wraps once, at its boundary.
"""

from __future__ import annotations


class ListenerError(Exception):
    """Base of everything the app raises on purpose."""


class ConfigError(ListenerError):
    """The configuration is invalid; the message names the file and the key."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class InputFileError(ListenerError):
    """An input file (``analyze``, ``detect``, ``replay``) is unusable; says where and why."""


class SourceError(ListenerError):
    """A source failed this cycle; the other sources went on."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source!r}: {message}")
        self.source = source


class NotifyError(ListenerError):
    """A notification could not be delivered to a receiver."""
