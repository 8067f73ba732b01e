"""The JSON API under /api/ (OpenAPI at /api/openapi.json, readable docs at /api/docs).

Every route calls the same function in nadzor.web.queries as the matching page. Lists are paged
(``page``, ``per_page`` up to 500) and take ``format=csv`` or ``format=json`` to download every row.
"""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from nadzor.web import queries
from nadzor.web.download import PURCHASE_COLUMNS
from nadzor.web.params import Sort, download, purchase_filters

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

ListFormat = Literal["page", "json", "csv"]


def _r(request: Request) -> queries.Reader:
    return request.app.state.reader


def _default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def _json(value, status: int = 200) -> Response:
    return Response(orjson.dumps(value, default=_default), media_type="application/json", status_code=status)


def _page_or_download(fetch, fmt: str, name: str, page: int, per_page: int, columns=None) -> Response:
    if fmt in ("csv", "json"):
        return download(fetch, fmt, name, columns)
    return _json(fetch(page=page, per_page=per_page).as_dict())


@router.get("/purchases", summary="List purchases (surveillance purchases once classified)")
def api_purchases(request: Request, f=Depends(purchase_filters), sort: Sort = "-date",
                  page: int = Query(1, ge=1, le=100000), per_page: int = Query(50, ge=1, le=500),
                  format: ListFormat = Query("page", description="page: one page with totals; json/csv: every row")):
    r = _r(request)
    return _page_or_download(lambda **kw: queries.list_purchases(r, f, sort=sort, **kw), format, "purchases",
                             page, per_page, PURCHASE_COLUMNS)


@router.get("/processes/{ocid:path}", summary="Everything about one process")
def api_process(request: Request, ocid: str = Path(..., max_length=300)):
    return _json(queries.get_process(_r(request), ocid))


@router.get("/releases/{ocid:path}", summary="The compiled OCDS release of one process, as published")
def api_release(request: Request, ocid: str = Path(..., max_length=300)):
    return Response(queries.get_release(_r(request), ocid) or "null", media_type="application/json")


@router.get("/buyers", summary="List buyers")
def api_buyers(request: Request, scope: Literal["surveillance", "all"] = "surveillance",
               only_one_supplier: bool = False, q: str | None = Query(None, max_length=200),
               page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500), format: ListFormat = "page"):
    r = _r(request)
    return _page_or_download(lambda **kw: queries.list_buyers(r, scope=scope, only_one_supplier=only_one_supplier,
                                                              q=q, **kw), format, "buyers", page, per_page)


@router.get("/buyers/{key:path}", summary="One buyer")
def api_buyer(request: Request, key: str = Path(..., max_length=300),
              scope: Literal["surveillance", "all"] = "surveillance"):
    return _json(queries.get_buyer(_r(request), key, scope=scope))


@router.get("/suppliers", summary="List suppliers")
def api_suppliers(request: Request, scope: Literal["surveillance", "all"] = "surveillance",
                  q: str | None = Query(None, max_length=200), page: int = Query(1, ge=1),
                  per_page: int = Query(50, ge=1, le=500), format: ListFormat = "page"):
    r = _r(request)
    return _page_or_download(lambda **kw: queries.list_suppliers(r, scope=scope, q=q, **kw), format, "suppliers",
                             page, per_page)


@router.get("/suppliers/{key:path}", summary="One supplier, with the names merged into it and why")
def api_supplier(request: Request, key: str = Path(..., max_length=300),
                 scope: Literal["surveillance", "all"] = "surveillance"):
    return _json(queries.get_supplier(_r(request), key, scope=scope))


@router.get("/flags", summary="List findings (risk indicators, not proof)")
def api_flags(request: Request, code: str | None = Query(None, pattern=r"^[A-Za-z0-9_.-]{1,40}$"),
              subject_type: str | None = Query(None, pattern=r"^[a-z_]{1,30}$"), page: int = Query(1, ge=1),
              per_page: int = Query(50, ge=1, le=500), format: ListFormat = "page"):
    r = _r(request)
    return _page_or_download(lambda **kw: queries.list_flags(r, code=code, subject_type=subject_type, **kw),
                             format, "flags", page, per_page)


@router.get("/indicators", summary="List indicators with their number of findings")
def api_indicators(request: Request):
    return _json(queries.list_indicators(_r(request)))


@router.get("/indicators/{code}", summary="One indicator's documentation and findings")
def api_indicator(request: Request, code: str = Path(..., pattern=r"^[A-Za-z0-9_.-]{1,40}$"),
                  page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500)):
    i = queries.get_indicator(_r(request), code, page=page, per_page=per_page)
    return _json({**i, "findings": i["findings"].as_dict()})


@router.get("/search", summary="Search titles, items and names in either script")
def api_search(request: Request, q: str = Query(..., min_length=1, max_length=200),
               limit: int = Query(50, ge=1, le=500)):
    return _json(queries.search(_r(request), q, limit=limit))


@router.get("/overview", summary="Headline numbers")
def api_overview(request: Request):
    return _json(queries.overview(_r(request)))


@router.get("/districts", summary="Purchases and buyers per district")
def api_districts(request: Request, scope: Literal["surveillance", "all"] = "surveillance"):
    return _json(queries.district_counts(_r(request), scope=scope))
