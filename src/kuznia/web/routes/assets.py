"""The browser's libraries, served from the installed Python packages (see web/assets.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from kuznia.errors import NotFound
from kuznia.web import assets

router = APIRouter()
YEAR = 365 * 24 * 3600


@router.get("/vendor/{name}-{version}.min.js", include_in_schema=False)
def vendor(name: str, version: str) -> FileResponse:
    """plotly.min.js or htmx.min.js of the installed version (cached for a year: a new
    version has a new URL)."""
    if name not in assets.VENDOR or version != assets.vendor_version(name):
        raise NotFound(f"no {name} {version} here")
    return FileResponse(
        assets.vendor_file(name),
        media_type="text/javascript",
        headers={"Cache-Control": f"public, max-age={YEAR}, immutable"},
    )
