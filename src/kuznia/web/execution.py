"""What the execution pages (contracts, the ledger, plan versus actual) share: the day a page
is about, client keys for the ledger's forms, a contract's progress as the plan-versus-actual
report counts it, and the ledger rows under a contract.

Every read goes through the contracts and logistics services (or their scoped repositories),
so a page shows what its viewer's scope may read and nothing more.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Access, Action, Scope
from kuznia.logistics import reports
from kuznia.logistics import service as logistics_service
from kuznia.logistics.repository import LedgerModel
from kuznia.logistics.schemas import ContractProgress, LedgerRecordRead
from kuznia.pagination import MAX_LIMIT, PageParams


def today() -> date:
    """The day the ledger pages open on: today in UTC, as the ledger's own date checks."""
    return datetime.now(UTC).date()


def read_day(text: str | None, default: date) -> tuple[date, bool]:
    """A day written YYYY-MM-DD, or `default`; and whether the text was a day."""
    if not text:
        return default, True
    try:
        return date.fromisoformat(text.strip()), True
    except ValueError:
        return default, False


def new_client_key() -> str:
    """A key for one rendering of a ledger form: a retry of the same submission (a second
    click, the browser sending it again) carries the same key and is recorded once."""
    return uuid.uuid4().hex


def contract_progress(
    *, session: Session, contract: models.Contract, as_of: date
) -> ContractProgress | None:
    """The contract against its schedule as of a day (`reports.one_contract_progress`)."""
    return reports.one_contract_progress(session=session, contract=contract, as_of=as_of)


def ledger_rows(
    *,
    session: Session,
    scope: Scope,
    model: LedgerModel,
    filters: dict[str, Any],
    limit: int = 5 * MAX_LIMIT,
) -> list[LedgerRecordRead]:
    """The caller's ledger records of one kind matching `filters`, newest first, at most
    `limit` of them (none if the caller may read none)."""
    if scope.access(logistics_service.RESOURCES[model], Action.read) is Access.none:
        return []
    found: list[LedgerRecordRead] = []
    while len(found) < limit:
        rows, total = logistics_service.list_records(
            session=session,
            scope=scope,
            model=model,
            filters=filters,
            page=PageParams(limit=min(MAX_LIMIT, limit - len(found)), offset=len(found)),
        )
        found.extend(rows)
        if not rows or len(found) >= total:
            break
    return found
