"""Every table the audit chain records has a reader in the permissions policy: an event of a
table missing from the map would be redacted for everyone, auditors included."""

from __future__ import annotations

import kuznia.models  # noqa: F401  (registers every table)
from kuznia.auditing.service import ENTITY_RESOURCES
from kuznia.models.base import Base

# The chain's own tables and the login throttle's counters are never recorded as events.
NOT_RECORDED = {"audit_events", "audit_head", "login_attempts", "organisation_funds"}


def test_every_recorded_table_names_the_resource_that_reads_it() -> None:
    tables = set(Base.metadata.tables) - NOT_RECORDED

    assert sorted(tables - set(ENTITY_RESOURCES)) == []
