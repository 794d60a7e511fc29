"""Changing one's own password (every role): the current password, the new one twice; the
auth service checks the policy and logs out the user's other sessions and tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from kuznia.auth import service as auth_service
from kuznia.auth.dependencies import SessionDep
from kuznia.errors import InvalidInput
from kuznia.web import forms
from kuznia.web.i18n import N_
from kuznia.web.pages import language_of, render
from kuznia.web.session import ViewerDep

router = APIRouter()

CHANGED = N_("The password is changed; your other sessions are logged out.")


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, viewer: ViewerDep) -> HTMLResponse:
    """The form to change one's password."""
    return render(request, "password.html", {"errors": {}, "done": None}, viewer=viewer)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeated_password: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Change the viewer's password; the page says what is wrong next to each field."""
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = N_("Enter your current password.")
    if new_password != repeated_password:
        errors["repeated_password"] = N_("The two new passwords differ.")
    if not errors:
        try:
            auth_service.change_password(
                session=session,
                user_id=viewer.scope.user_id,
                current_password=current_password,
                new_password=new_password,
                token=viewer.token,
            )
        except InvalidInput as error:
            problems = forms.in_words(error.problems, language_of(request))
            errors = {problem.field: problem.message for problem in problems}
        else:
            return render(request, "password.html", {"errors": {}, "done": CHANGED}, viewer=viewer)
    return render(
        request, "password.html", {"errors": errors, "done": None}, viewer=viewer, status_code=400
    )
