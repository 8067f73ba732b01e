"""The web app: server-rendered pages, a JSON API under /api/, Atom feeds, all over one read-only store.

``create_app(path)`` builds the ASGI app; ``serve(path, host, port)`` runs it with uvicorn (what ``nadzor serve``
and ``make demo`` call). Pages and API routes call the same functions in :mod:`nadzor.web.queries`.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from nadzor import __version__
from nadzor.exceptions import InputError, NotFoundError, StoreError
from nadzor.web.queries import Reader

__all__ = ["create_app", "serve", "templates"]

HERE = resources.files("nadzor.web")

RISK_NOTE = ("Findings are risk indicators, not proof of wrongdoing: each one is a reason to look closer at the "
             "records, which are linked.")


def _safe_url(value) -> str | None:
    """Return a URL from data only when it is http(s); anything else (javascript:, data:) is not linked."""
    if isinstance(value, str) and re.match(r"^https?://", value.strip(), re.I):
        return value.strip()
    return None


def _q(value) -> str:
    """Quote a key (ocid, buyer or supplier id) for a URL path."""
    return quote(str(value), safe="")


def _money(value) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}".replace(",", "\u202f")


def _shown_keys(rows: list[dict], skip=()) -> list[str]:
    """Columns of a table that hold at least one value (empty columns only add noise)."""
    return [k for k in rows[0] if k not in skip and any(r.get(k) not in (None, "", []) for r in rows)]


def _make_templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE.joinpath("templates")))
    env = t.env
    assert env.autoescape  # every value from data is untrusted
    env.filters.update(safe_url=_safe_url, q=_q, money=_money, shown_keys=_shown_keys)
    env.globals.update(RISK_NOTE=RISK_NOTE, version=__version__, urlencode=urlencode)
    return t


templates = _make_templates()


def create_app(source, *, title: str = "nadzor") -> FastAPI:
    """Build the app over a store: a path to a DuckDB file (opened read-only), an open Store, or a Reader."""
    from nadzor.store import Store

    if isinstance(source, Reader):
        reader = source
    elif isinstance(source, Store):
        reader = Reader.from_store(source)
    else:
        path = Path(source)
        if not path.exists():
            raise StoreError(f"no store at {path}: run `nadzor ingest` first (or pass --db)")
        reader = Reader.from_store(Store.open(path, read_only=True))

    app = FastAPI(title=f"{title} API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Read-only access to surveillance-technology purchases. " + RISK_NOTE)
    app.state.reader = reader
    app.mount("/static", StaticFiles(directory=str(HERE.joinpath("static"))), name="static")

    from nadzor.web import api, feed, pages

    app.include_router(api.router)
    app.include_router(feed.router)
    app.include_router(pages.router)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.query_params.get("format") == "json"

    def error(request: Request, status: int, message: str):
        if wants_json(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return templates.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                          status_code=status)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError):
        return error(request, 404, str(exc))

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError):
        return error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{loc}: {e.get('msg')}")
        return error(request, 400, "invalid parameter - " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        msg = "page not found" if exc.status_code == 404 else str(exc.detail)
        return error(request, exc.status_code, msg)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        # Scripts only from this server; Vega needs eval-free builds, so no 'unsafe-eval' either.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def serve(store_path, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "warning") -> None:
    """Serve the store at ``store_path`` read-only on http://host:port until interrupted."""
    import uvicorn

    app = create_app(Path(store_path))
    from nadzor.web.queries import overview
    from nadzor.web.warmup import warm_up

    # The overview aggregates the whole store (seconds at a million processes) and is then memoised: compute it
    # before the first visitor arrives rather than during their request.
    overview(app.state.reader)
    # The first request of each page type compiles templates and loads index blocks (up to 135 ms at a million
    # processes): pay that now, too.
    warm_up(app, app.state.reader)
    print(f"nadzor is serving {store_path} at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def html_response(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    """Render a template with the request."""
    return templates.TemplateResponse(request, name, context, status_code=status)
