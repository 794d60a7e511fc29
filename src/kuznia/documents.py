"""Names for the JSON that is free-form by design: an instance document (`kuznia-instance/1`,
checked by `kuznia.instance`, not by a read model), what a finished plan run keeps of its
results (rows of its result tables, its summary, its export and economy sections, stored as
the planning core wrote them), a comparison document (`kuznia-plan-comparison/1`) and the
Open Contracting (OCDS 1.1) releases `kuznia.io.ocds` writes, whose schema is OCDS's own.
Every other boundary returns a read model."""

from __future__ import annotations

from typing import Any

from pydantic import RootModel

JsonObject = dict[str, Any]
"""A JSON object whose shape another format defines (an instance document, a stored result)."""

ResultRow = dict[str, Any]
"""A row of a plan run's result, by column name (the bulk tables the pages sum in frames;
the API serves them through `kuznia.plans.schemas.RESULT_ROWS`)."""


class InstanceDocument(RootModel[JsonObject]):
    """A kuznia-instance/1 document: the registry (or a run's snapshot) whole, as the format
    writes it (docs/instance.md)."""


class ComparisonDocument(RootModel[JsonObject]):
    """A kuznia-plan-comparison/1 document: two runs compared, the second minus the first."""


class OcdsReleasePackage(RootModel[JsonObject]):
    """An Open Contracting (OCDS 1.1) release package of contracts and guarantees, as
    `kuznia.io.ocds` writes it; its schema is OCDS's own (kuznia/io/ocds_schema)."""
