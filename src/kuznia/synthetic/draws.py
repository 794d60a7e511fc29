"""Drawing and rounding helpers shared by the synthetic generator's parts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def round_sig(values: FloatArray, digits: int) -> FloatArray:
    """Round positive values to `digits` significant digits (zero and below stay zero)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(values)
    positive = values > 0
    decimals = digits - 1 - np.floor(np.log10(values[positive])).astype(np.int64)
    # Dividing an integer by a power of ten gives the float nearest the decimal number.
    scale = 10.0 ** np.abs(decimals)
    out[positive] = np.where(
        decimals >= 0,
        np.round(values[positive] * scale) / scale,
        np.round(values[positive] / scale) * scale,
    )
    return out


def floor_sig(values: FloatArray, digits: int) -> FloatArray:
    """Whole numbers rounded down to `digits` significant digits: never above `values`."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(values)
    positive = values >= 1
    places = np.floor(np.log10(values[positive])).astype(np.int64) - digits + 1
    scale = 10.0 ** np.maximum(places, 0)
    out[positive] = np.floor(values[positive] / scale) * scale
    return out


def round_quantity(values: FloatArray, rng: np.random.Generator) -> IntArray:
    """Whole units: small values rounded at random (keeping their mean), large to 2 digits."""
    values = np.asarray(values, dtype=np.float64)
    small = values < 10
    random_round = np.floor(values + rng.random(values.shape))
    return np.where(small, random_round, round_sig(values, 2)).astype(np.int64)


def pick(weights: FloatArray, uniform: FloatArray) -> IntArray:
    """Indices drawn with probability proportional to `weights`, from given uniforms."""
    cumulative = np.cumsum(weights)
    picked = np.searchsorted(cumulative / cumulative[-1], uniform, side="right")
    return np.minimum(picked, len(weights) - 1).astype(np.int64)


def id_width(count: int) -> int:
    return max(3, len(str(count)))
