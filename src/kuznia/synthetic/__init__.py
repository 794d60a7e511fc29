"""Seeded synthetic planning instances, calibrated to public figures (see `generate`)."""

from kuznia.synthetic.demand import supplier_countries
from kuznia.synthetic.generate import SIZE_SPECS, SIZES, generate

__all__ = ["SIZES", "SIZE_SPECS", "generate", "supplier_countries"]
