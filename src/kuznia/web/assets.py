"""The files the browser loads besides pages: Kuznia's own CSS and JavaScript (in `static/`),
and two libraries taken from installed Python packages, never from a CDN and never copied into
this repository (docs/decisions/0007-web.md):

- Plotly's `plotly.min.js`, which the `plotly` package ships in `plotly/package_data/` (only
  the bundle is used: the charts are plain dicts; `plotly` is the optional extra `kuznia[web]`);
- htmx's `htmx.min.js`, which `django-js-lib-htmx` ships in `js_lib_htmx/static/htmx/`
  (a data-only wheel: nothing of Django is imported or needed).

URLs carry the package's version (or, for own files, a hash of the content), so browsers may
cache them for a long time and still get a new file after an upgrade.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata, resources
from pathlib import Path

VENDOR = {
    # name in the URL -> (distribution, package, path inside the package)
    "plotly": ("plotly", "plotly", "package_data/plotly.min.js"),
    "htmx": ("django-js-lib-htmx", "js_lib_htmx", "static/htmx/htmx.min.js"),
}


class AssetMissing(RuntimeError):
    """Raised when an installed package no longer ships a file the pages need."""


@cache
def vendor_file(name: str) -> Path:
    """The installed file of vendor library `name` (plotly, htmx)."""
    distribution, package, inside = VENDOR[name]
    vendor_version(name)  # installed at all, or a message saying what to install
    path = Path(str(resources.files(package).joinpath(inside)))
    if not path.is_file():
        raise AssetMissing(
            f"{inside} is missing from the installed {distribution} package: "
            f"reinstall it (`make install`)"
        )
    return path


@cache
def vendor_version(name: str) -> str:
    """The installed version of vendor library `name`'s distribution."""
    distribution = VENDOR[name][0]
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise AssetMissing(
            f"{distribution} is not installed: the web pages need it; install kuznia[web] "
            "(pip install 'kuznia[web]')"
        ) from None


def static_dir() -> Path:
    """Kuznia's own static files."""
    return Path(str(resources.files("kuznia.web").joinpath("static")))


@cache
def _own_hash(name: str) -> str:
    return hashlib.sha256((static_dir() / name).read_bytes()).hexdigest()[:10]


def url(name: str) -> str:
    """The URL of an asset: `plotly`, `htmx`, or a file of `static/` such as `kuznia.css`."""
    if name in VENDOR:
        return f"/vendor/{name}-{vendor_version(name)}.min.js"
    return f"/static/{name}?v={_own_hash(name)}"
