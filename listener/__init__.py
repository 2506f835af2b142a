"""Listener: self-hosted social listening and brand-outpost monitor.

Importing this package is cheap: no spaCy, no database driver.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
