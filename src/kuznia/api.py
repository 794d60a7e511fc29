"""Every API route, under `/api/v1`."""

from __future__ import annotations

from fastapi import APIRouter

from kuznia.auditing.router import router as audit_router
from kuznia.auth.router import router as auth_router
from kuznia.contracts.router import router as contracts_router
from kuznia.jobs.router import router as jobs_router
from kuznia.logistics.foreign_router import router as foreign_router
from kuznia.logistics.router import router as logistics_router
from kuznia.plans.router import router as plans_router
from kuznia.registry.router import registry_routers, settings_router
from kuznia.replan.router import router as replan_router
from kuznia.targets.router import router as targets_router
from kuznia.workbench.router import router as workbench_router

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """The routers of every domain, under /api/v1."""
    router = APIRouter(prefix=API_PREFIX)
    # First: the framework tries routes in order, one by one and again at each level of
    # inclusion, so a route found after 200 others costs a millisecond of CPU per request;
    # the ledger's POSTs are the most frequent requests (issue 16). No paths overlap, so the
    # order changes nothing else.
    router.include_router(logistics_router)
    router.include_router(auth_router)
    router.include_router(settings_router)
    for section_router in registry_routers():
        router.include_router(section_router)
    router.include_router(plans_router)
    router.include_router(jobs_router)
    router.include_router(replan_router)
    router.include_router(contracts_router)
    router.include_router(foreign_router)
    router.include_router(audit_router)
    router.include_router(targets_router)
    router.include_router(workbench_router)
    return router
