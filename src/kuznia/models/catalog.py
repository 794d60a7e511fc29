"""The catalogue: items that can be made and needed, each in a category."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from kuznia.models.base import Base, FromInstance, Versioned


class Item(Versioned, FromInstance, Base):
    """A product type (`155 mm round`, `FPV drone`); `code` is its id in the instance format."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String)
    category: Mapped[str] = mapped_column(String, index=True)
    unit: Mapped[str] = mapped_column(String, default="pcs")
