"""Teams, Discord, PagerDuty, Telegram... through Apprise (one URL per service).

The Apprise URL holds the service's token, so it comes from an environment variable and never
appears in a message. Apprise reports failure as False, not as an exception.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any

from alerts import render
from alerts.notify import NotifyError


class AppriseNotifier:
    """Sends the plain-text rendering of each event to one Apprise URL."""

    def __init__(self, name: str, url: str) -> None:
        import apprise  # only when such a receiver is configured

        self.name = name
        # Apprise's debug log prints the service URLs, which hold tokens: keep it quieter.
        logging.getLogger("apprise").setLevel(logging.WARNING)
        self._apprise = apprise.Apprise()
        with warnings.catch_warnings():
            # Apprise 2.2 loads its plugins here; its email plugin imports the stdlib's
            # deprecated imghdr on Python < 3.13. Harmless, and not ours to fix.
            warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
            added = self._apprise.add(url)
        if not added:
            raise NotifyError(name, "Apprise does not understand this URL")

    def send(self, event: Mapping[str, Any]) -> None:
        ok = self._apprise.notify(title=render.title(event)[:250], body=render.plain_text(event))
        if not ok:
            raise NotifyError(self.name, "Apprise could not deliver (see its log)")
