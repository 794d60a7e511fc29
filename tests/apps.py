"""Apps without plan workers for the tests, their routes built once per process.

`create_app` spends some 0.4 s of CPU building its routes (FastAPI reads the signature of
every one of some 270 endpoints), and a thousand tests each get an app on a database of their
own (tests/api/conftest.py's `api`, tests/web/conftest.py's `pages`): that alone was a fifth
of the suite. The routes, the middleware and the error handlers are the same for every app of
the same settings, so `app_without_workers` builds one app with `create_app` per settings (the
database's URL aside) and gives each caller a shallow copy of it with a state of its own: the
settings, the engine, the session maker and the pages' result cache, as create_app sets them.
No test adds routes, handlers or middleware to an app, so what the copies share is never
changed. A state that create_app sets and this module does not know fails loudly, so a new one
cannot leak from one test's app into the next.
"""

from __future__ import annotations

import copy
import functools

from fastapi import FastAPI
from sqlalchemy import Engine, create_engine
from starlette.datastructures import State

from kuznia.auth.service import limit_hashing
from kuznia.db.session import session_factory
from kuznia.main import create_app, writing_bind
from kuznia.settings import Settings
from kuznia.web.results import ResultCache

# What create_app (and kuznia.web.install_web) keep in app.state, each made anew per app.
KNOWN_STATE = {"settings", "engine", "sessions", "write_engine", "web_results"}

_built: dict[str, FastAPI] = {}


def app_without_workers(*, settings: Settings, engine: Engine) -> FastAPI:
    """An app like `create_app(settings=settings, engine=engine, workers=False)`."""
    key = settings.model_dump_json(exclude={"database_url"})
    built = _built.get(key)
    if built is None:
        built = _built[key] = create_app(settings=settings, engine=engine, workers=False)
        unknown = set(built.state._state) - KNOWN_STATE
        if unknown:
            raise RuntimeError(f"tests/apps.py does not know create_app's state {sorted(unknown)}")
    limit_hashing(settings.password_hashing_at_once)
    app = copy.copy(built)
    app.state = State()
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.write_engine = writing_bind(engine)
    if hasattr(built.state, "web_results"):
        app.state.web_results = ResultCache()
    app.dependency_overrides = {}
    app.middleware_stack = None  # built on the copy's first request
    return app


@functools.cache
def documented_app() -> FastAPI:
    """An app on no database, for reading its OpenAPI document (made once per process and
    kept by the app: the document costs over a second to make)."""
    engine = create_engine("sqlite://")
    return create_app(settings=Settings(database_url="sqlite://"), engine=engine, workers=False)
