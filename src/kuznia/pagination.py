"""Pages of a list: `?limit=&offset=` in, `{"items", "total", "limit", "offset"}` out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 1000
# The largest whole number a request may hand to the database (a key, an offset, a month):
# keys are PostgreSQL `integer`s, and a number beyond 64 bits the SQLite driver cannot send at
# all, which would be a server error instead of a 422.
MAX_DB_INT = 2**31 - 1
# A record's id in a path.
Key = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="The record's id.")]


class PageParams(BaseModel):
    """Which page: at most `limit` records after skipping `offset`."""

    limit: int = 100
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Records per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Records to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    """One page of a list and how many records the whole list has."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Sequence[T], total: int, page: PageParams) -> Page[T]:
    """`items`, the page `page` of a list of `total` records, as the API answers it."""
    return Page(items=list(items), total=total, limit=page.limit, offset=page.offset)


def paginate(
    *, session: Session, statement: Select[Any], page: PageParams
) -> tuple[Sequence[Any], int]:
    """The rows of `statement` on `page` (in the statement's order) and the total count."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(page.limit).offset(page.offset)).all()
    return rows, int(total or 0)
