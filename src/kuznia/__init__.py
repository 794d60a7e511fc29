"""Kuznia ("forge"): plan and run a country's defence production."""

__version__ = "0.1.0"
