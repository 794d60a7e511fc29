"""Users: who may log in, in which role and organisation (read-only here; admins change users
through the API's /users for now)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kuznia.auth import service as auth_service
from kuznia.auth.dependencies import SessionDep
from kuznia.pagination import PageParams
from kuznia.web.pages import render
from kuznia.web.session import ViewerDep

router = APIRouter()


@router.get("/users", include_in_schema=False, response_class=HTMLResponse)
def users(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    found, total = auth_service.list_users(
        session=session, scope=viewer.scope, page=PageParams(limit=500, offset=0)
    )
    return render(request, "users.html", {"users": found, "total": total}, viewer=viewer)
