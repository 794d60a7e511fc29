"""Every JSON answer of the packages whose services return read models names its schema in the
OpenAPI document (issue 15, typed boundaries): a client generator gets a type for each, not a
bare object. Free-form documents (an instance, a comparison) are named too."""

from __future__ import annotations

from typing import Any

from kuznia.registry.sections import SECTIONS
from tests.api.conftest import Api

# The tags of the targets, registry (one per section), plan-run, workbench, audit and logistics
# (depots, the ledger, stock, foreign supply, the execution reports) routers.
TYPED_TAGS = (
    {"targets", "settings", "plan runs", "workbench", "audit"}
    | {section.name.replace("_", " ") for section in SECTIONS}
    | {
        "depots",
        "production reports",
        "receipts",
        "dispatches",
        "stock",
        "ledger batches",
        "foreign supply",
        "execution reports",
    }
)


def unnamed_answers(document: dict[str, Any]) -> list[str]:
    """`METHOD path status` of each JSON 2xx answer of those tags without a named schema."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not TYPED_TAGS & set(operation.get("tags", [])):
                continue
            for status, answer in operation.get("responses", {}).items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema is not None and "$ref" not in str(schema):
                    found.append(f"{method.upper()} {path} {status}")
    return found


def test_every_json_answer_of_the_typed_packages_names_its_model(api: Api) -> None:
    document = api.client.get("/api/v1/openapi.json").json()

    assert unnamed_answers(document) == []
    assert "PlanRunShortfallListRow" in document["components"]["schemas"]
    assert "InstanceDocument" in document["components"]["schemas"]
    assert "ForeignSupplyReport" in document["components"]["schemas"]
