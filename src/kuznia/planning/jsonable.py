"""Values as JSON writes them: the one converter from numpy and pandas results to plain Python."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# What a person reads of a plan's quantities and money (6), and of a sweep's or a criticality
# ranking's shares and means, kept bit-stable across runs (9).
PLAN_DIGITS = 6
STATISTIC_DIGITS = 9


def plain(value: Any, *, digits: int | None = PLAN_DIGITS) -> Any:
    """`value` ready for JSON: numpy scalars as Python; with `digits`, a float rounded to them
    (a whole one as int) and NaN or infinity as None. Other values as they are."""
    if isinstance(value, np.generic):
        value = value.item()
    if digits is None or not isinstance(value, float):
        return value
    if math.isnan(value) or math.isinf(value):
        return None
    rounded = round(value, digits)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def plain_tree(value: Any) -> Any:
    """A nested answer (dicts, lists, tuples) ready for strict JSON: every scalar as `plain`
    gives it unrounded, NaN and infinity as None (JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): plain_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_tree(v) for v in value]
    value = plain(value, digits=None)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
