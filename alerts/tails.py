"""Upper-tail probabilities of count models, in pure Python (no SciPy).

Poisson ``P(X >= k)`` is the regularised lower incomplete gamma ``P(k, mu)``; binomial
``P(X >= k)`` is the regularised incomplete beta ``I_p(k, n - k + 1)``. Both accept real
``k`` and ``n`` so quasi-likelihood overdispersion (dividing counts by a dispersion factor)
works. Series and continued fractions follow the textbook (Lentz) evaluation.
"""

from __future__ import annotations

import math

_EPS = 1e-14
_TINY = 1e-300
_MAX_ITER = 300


def poisson_sf(k: float, mu: float) -> float:
    """``P(X >= k)`` for ``X ~ Poisson(mu)``, continuous in ``k``."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    return _lower_gamma_regularised(k, mu)


def binomial_sf(k: float, n: float, p: float) -> float:
    """``P(X >= k)`` for ``X ~ Binomial(n, p)``, continuous in ``k`` and ``n``."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    return _beta_regularised(p, k, n - k + 1)


def _lower_gamma_regularised(a: float, x: float) -> float:
    """``P(a, x)`` by its series below ``a + 1`` and by ``1 - Q`` (continued fraction) above."""
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        denom = a
        for _ in range(_MAX_ITER):
            denom += 1
            term *= x / denom
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return min(1.0, total * math.exp(log_front))
    return max(0.0, 1.0 - math.exp(log_front) * _gamma_fraction(a, x))


def _gamma_fraction(a: float, x: float) -> float:
    """Continued fraction for the upper incomplete gamma, without its front factor."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < _EPS:
            break
    return h


def _beta_regularised(x: float, a: float, b: float) -> float:
    """``I_x(a, b)``, using the symmetry ``1 - I_{1-x}(b, a)`` where the fraction converges."""
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    """Continued fraction for the incomplete beta (modified Lentz)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1 / (_TINY if abs(d) < _TINY else d)
    h = d
    for m in range(1, _MAX_ITER):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (_TINY if abs(d) < _TINY else d)
            c = 1 + numerator / c
            c = _TINY if abs(c) < _TINY else c
            h *= d * c
        if abs(d * c - 1) < _EPS:
            break
    return h
