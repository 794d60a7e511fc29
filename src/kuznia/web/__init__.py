"""The web application: pages rendered on the server (Jinja2 + HTMX, charts with Plotly) in
Ukrainian and English, served by the same FastAPI app as the API and calling the same
services, so every page sees exactly what its viewer's scope may see.

`install_web(app)` adds the pages, their static files, their error pages and the security
headers of every answer (kuznia.web.security) to an app made by `kuznia.main.create_app`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from kuznia.web import assets, csrf
from kuznia.web.errors import install_error_pages
from kuznia.web.results import ResultCache
from kuznia.web.routes import (
    account,
    analyses,
    audit,
    contracts,
    economy,
    exports,
    funds,
    industry,
    ledger,
    needs,
    overview,
    password,
    plans,
    progress,
    targets,
    users,
)
from kuznia.web.routes import assets as asset_routes
from kuznia.web.security import SecurityHeaders

__all__ = ["install_web", "web_router"]


def web_router() -> APIRouter:
    """Every page's route; those that change something need the CSRF token (kuznia.web.csrf)."""
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.protect)])
    # progress before contracts: /contracts/progress is not a contract's id
    modules = (account, overview, industry, needs, funds, plans, progress, contracts, ledger)
    others = (targets, exports, economy, analyses, audit, users, password, asset_routes)
    for module in (*modules, *others):
        router.include_router(module.router)
    return router


def install_web(app: FastAPI) -> None:
    """Serve the pages from `app` (after its API routes and error handlers)."""
    app.state.web_results = ResultCache()
    app.include_router(web_router())
    app.mount("/static", StaticFiles(directory=assets.static_dir()), name="static")
    install_error_pages(app)
    app.add_middleware(SecurityHeaders)
