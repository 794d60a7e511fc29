"""The calibration of the synthetic instances: the start, the vocabularies and the shares and
factors that give them the shape of the public figures (see `kuznia.synthetic.generate`)."""

from __future__ import annotations

# The format's words, re-exported for the synthetic modules.
from kuznia.instance.vocabulary import OPERATIONS as OPERATIONS
from kuznia.instance.vocabulary import OWNERSHIPS as OWNERSHIPS

START = "2026-01"
START_YEAR = 2026

# Shares of producers by ownership, and of lines by their producer's main category.
OWNERSHIP_SHARES = (0.2, 0.7, 0.1)
PRIMARY_CATEGORY_SHARE = 0.7
# Money: state budget = capacity value of the year / ~3 (FACTS.md).
CAPACITY_TO_STATE_BUDGET = (2.85, 3.15)
# Needs of each tier, as a share of all the money of the month (domestic part only).
TIER_SHARES = (0.7, 0.6, 0.45)
TIER_PRESENCE = (1.0, 0.9, 0.8)
HOT_ITEM_SHARE = 0.08
HOT_ITEM_FACTOR = 3.5
# Quantity factor of an operation: offensives consume more, stabilisation less.
POSTURE_SHARES = (0.6, 0.25, 0.15)
POSTURE_FACTORS = (1.0, 1.4, 0.5)
EXPANSION_SHARE = 0.15
COMMITMENT_BUDGET_SHARE = 0.2
