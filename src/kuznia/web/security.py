"""Security headers on every response of the app, the API's included.

- `Content-Security-Policy`: scripts only from Kuznia itself (no inline script, no `on*=`
  handler, no eval: the pages' one script is static/kuznia.js); styles from Kuznia plus inline
  style attributes (the coverage bars' `--share`, and Plotly, which styles its SVG inline);
  no plugins, no `<base>`, forms post only here, and no other site may frame a page
  (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for older browsers).
  The API's documentation page (Swagger UI, /api/v1/docs) loads its script from its CDN and
  starts it inline: it alone gets a policy allowing that; it shows no data of the database.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (no address of a page
  leaves the site), `Cross-Origin-Opener-Policy: same-origin`.
- `Cache-Control: no-store` on every answer that has not set its own (pages, fragments, API
  answers: no copy of what a person may see stays in a shared or a browser cache); the static
  files and the vendored scripts keep theirs.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src https://cdn.jsdelivr.net 'unsafe-inline'",
        "style-src https://cdn.jsdelivr.net 'unsafe-inline'",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.jsdelivr.net",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = frozenset({"/api/v1/docs", "/docs/oauth2-redirect"})
CACHED_PREFIXES = ("/static/", "/vendor/")


def headers_for(path: str) -> dict[str, str]:
    """The security headers of an answer to `path` (Cache-Control only if it sets none)."""
    headers = {
        "Content-Security-Policy": DOCS_POLICY if path in DOCS_PATHS else PAGE_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not path.startswith(CACHED_PREFIXES):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """ASGI middleware adding `headers_for(path)` to every HTTP answer (an answer's own
    Cache-Control wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
