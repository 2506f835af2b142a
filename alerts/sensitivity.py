"""The one knob users turn instead of raw thresholds."""

from __future__ import annotations

from typing import Literal

Sensitivity = Literal["fewer", "balanced", "more"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("fewer", "balanced", "more")


def check_sensitivity(value: str) -> Sensitivity:
    """Return ``value`` as a :data:`Sensitivity`, or raise ValueError naming the choices."""
    for choice in SENSITIVITIES:
        if value == choice:
            return choice
    raise ValueError(f"sensitivity must be one of {', '.join(SENSITIVITIES)}, not {value!r}")
