"""What `POST /api/v1/replans` reads and answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kuznia.documents import InstanceDocument
from kuznia.plans.schemas import PlanRunRead


class ReplanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    start: str = Field(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="First month of the new horizon, YYYY-MM (inside the registry's horizon).",
    )
    plan: bool = Field(
        default=True, description="Queue a plan run of the next instance (solved by a worker)."
    )


class ReplanRead(BaseModel):
    start: str
    contracts: int = Field(description="Signed contracts held as commitments.")
    guarantees: int = Field(description="Signed guarantees held as window commitments.")
    expansions_taken: list[str] = Field(description="Expansions approved plans chose.")
    instance: InstanceDocument = Field(description="The next kuznia-instance/1 document.")
    plan_run: PlanRunRead | None = Field(description="The re-plan's run, when one was queued.")
