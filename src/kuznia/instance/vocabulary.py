"""The format's words, in the format's order, read from the schema's `Literal`s: code that
lists operations, ownerships or fund kinds takes them from here instead of writing them out."""

from __future__ import annotations

from typing import Final, get_args

from kuznia.instance.schema import FundKind, Operation, Ownership

OPERATIONS: Final[tuple[str, ...]] = get_args(Operation)
OWNERSHIPS: Final[tuple[str, ...]] = get_args(Ownership)
FUND_KINDS: Final[tuple[str, ...]] = get_args(FundKind)
