"""Every API route, under `/api/v1`."""

from __future__ import annotations

from fastapi import APIRouter

from kuznia.auditing.router import router as audit_router
from kuznia.auth.router import router as auth_router
from kuznia.contracts.router import router as contracts_router
from kuznia.health import router as health_router
from kuznia.jobs.router import router as jobs_router
from kuznia.logistics.foreign_router import router as foreign_router
from kuznia.logistics.router import routers as logistics_routers
from kuznia.plans.router import router as plans_router
from kuznia.registry.router import registry_routers, settings_router
from kuznia.replan.router import router as replan_router
from kuznia.targets.router import router as targets_router
from kuznia.workbench.router import router as workbench_router

API_PREFIX = "/api/v1"


def api_routers() -> list[APIRouter]:
    """The routers of every domain, each to be included under /api/v1 by the application.

    Not nested in one router under /api/v1: the framework tries routes in order, one by one
    and again at each level of inclusion, walking every router below on the way, so a route
    found after 200 others, two levels down, cost a request more than a millisecond of CPU.
    The ledger's writes, the most frequent requests (issue 16), come first; no paths overlap,
    so the order changes nothing else."""
    return [
        *logistics_routers,
        auth_router,
        settings_router,
        *registry_routers(),
        plans_router,
        jobs_router,
        replan_router,
        contracts_router,
        foreign_router,
        audit_router,
        targets_router,
        workbench_router,
        health_router,
    ]
