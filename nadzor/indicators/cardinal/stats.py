"""The statistics Cardinal uses, reproduced bit for bit: type-8 quantiles, fused multiply-add, Rust rounding.

Quantiles are Hyndman-Fan type 8 (``statrs`` ``Data::quantile``), not the type 7 that DuckDB, Spark, numpy and
pandas default to: for small samples the two differ a lot. Fences use a fused multiply-add (one rounding), as
Rust's ``f64::mul_add`` does, so a ratio that sits exactly on a fence is flagged the same way.
"""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["quantile", "fma", "round4", "lower_fence", "upper_fence", "fence", "summary"]

_THIRD = 1.0 / 3.0


def quantile(values, tau: float) -> float:
    """Return the type-8 quantile of ``values`` at ``tau`` (0..1); NaN for no values."""
    if tau < 0.0 or tau > 1.0:
        return math.nan
    data = sorted(values)
    n = len(data)
    if n == 0:
        return math.nan
    h = (n + _THIRD) * tau + _THIRD
    k = math.floor(h) if h >= 0 else -math.floor(-h)  # Rust `h as i64` truncates toward zero
    if k <= 0 or tau == 0.0:
        return data[0]
    if k >= n or tau == 1.0:
        return data[-1]
    a = data[k - 1]
    b = data[k]
    return a + (h - k) * (b - a)


def fma(a: float, b: float, c: float) -> float:
    """Return ``a * b + c`` rounded once, like Rust's ``f64::mul_add``."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    # int / int true division is correctly rounded in CPython.
    return exact.numerator / exact.denominator if exact else 0.0 * a * b + c


def lower_fence(q1: float, q3: float) -> float:
    """Return ``q1 - 1.5 * IQR`` with a fused multiply-add."""
    return fma(q3 - q1, -1.5, q1)


def upper_fence(q1: float, q3: float) -> float:
    """Return ``q3 + 1.5 * IQR`` with a fused multiply-add."""
    return fma(q3 - q1, 1.5, q3)


def fence(result, code: str, values: list[float], threshold, side: str, prefix: str = "") -> tuple[float, float]:
    """Return (fence, q1): the configured ``threshold``, or the ``side`` ("lower"/"upper") 1.5 IQR fence of
    ``values`` with its quartiles recorded in Meta as ``{prefix}q1`` and ``{prefix}q3``.

    With a threshold, q1 is returned as 1.0: a configured threshold skips the guards on q1, as in Cardinal. The
    caller records the fence itself, because the Meta key order differs between indicators.
    """
    if threshold is not None:
        return float(threshold), 1.0
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    result.set_meta(code, f"{prefix}q1", q1)
    result.set_meta(code, f"{prefix}q3", q3)
    return (lower_fence(q1, q3) if side == "lower" else upper_fence(q1, q3)), q1


def summary(values, **extra) -> dict:
    """Describe a distribution for ``--statistics``: size, min, quartiles (type 8), median, max."""
    finite = [v for v in values if v == v]
    return {
        "population": len(values),
        "min": min(finite) if finite else None,
        "q1": quantile(finite, 0.25),
        "median": quantile(finite, 0.5),
        "q3": quantile(finite, 0.75),
        "max": max(finite) if finite else None,
        **extra,
    }


def round4(value: float) -> float | None:
    """Round to 4 decimals half away from zero (Rust ``f64::round``); NaN and infinities become None (null)."""
    if value is None or not math.isfinite(value):
        return None
    y = value * 10_000.0
    a = abs(y)
    r = math.floor(a)
    if a - r >= 0.5:
        r += 1.0
    return math.copysign(r, y) / 10_000.0
