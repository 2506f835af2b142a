"""The web app: review queue, alerts, history and a JSON API (``create_app``).

FastAPI is imported only here, so ``import listener.cli`` stays light.
"""

from listener.web.app import create_app

__all__ = ["create_app"]
