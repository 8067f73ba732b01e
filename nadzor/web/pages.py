"""HTML pages. Each view parses its parameters, calls one function in nadzor.web.queries, and renders."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from nadzor.web import charts, queries
from nadzor.web.app import html_response
from nadzor.web.download import PURCHASE_COLUMNS
from nadzor.web.params import CODE_PATTERN, Format, Sort, download, purchase_filters

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SORT_LABELS = {"-date": "newest first", "date": "oldest first", "-value": "highest value", "value": "lowest value",
               "title": "title A-Z", "-title": "title Z-A"}


def _r(request: Request) -> queries.Reader:
    return request.app.state.reader


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request):
    r = _r(request)
    data = queries.overview(r)
    ctx = {"o": data,
           "chart_year": charts.per_year_chart(data["per_year"]),
           "chart_single": charts.single_bid_rate_chart(data["per_year"]),
           "chart_suppliers": charts.shares_chart(data["top_suppliers"], title="Suppliers by number of purchases")}
    return html_response(request, "overview.html", ctx)


@router.get("/purchases", response_class=HTMLResponse)
def purchases_page(request: Request, f=Depends(purchase_filters), sort: Sort = "-date",
                   page: int = Query(1, ge=1, le=100000), per_page: int = Query(50, ge=1, le=500),
                   format: Format = "html"):
    r = _r(request)
    if format != "html":
        return download(lambda **kw: queries.list_purchases(r, f, sort=sort, **kw), format, "purchases",
                        PURCHASE_COLUMNS)
    result = queries.list_purchases(r, f, sort=sort, page=page, per_page=per_page)
    ctx = {"result": result, "filters": f, "params": f.as_params(), "sort": sort, "sorts": SORT_LABELS,
           "capabilities": queries.list_capabilities(r), "years": queries.list_years(r),
           "flags": queries.list_indicators(r), "districts": _district_names()}
    name = "purchases_results.html" if request.headers.get("HX-Request") else "purchases.html"
    return html_response(request, name, ctx)


def _district_names():
    from nadzor.web.geo import district_names

    return sorted(district_names())


@router.get("/purchases/{ocid:path}", response_class=HTMLResponse)
def process_page(request: Request, ocid: str = Path(..., max_length=300)):
    return html_response(request, "process.html", {"p": queries.get_process(_r(request), ocid)})


@router.get("/buyers", response_class=HTMLResponse)
def buyers_page(request: Request, scope: str = Query("surveillance", pattern="^(surveillance|all)$"),
                only_one_supplier: bool = False, q: str | None = Query(None, max_length=200),
                page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500), format: Format = "html"):
    r = _r(request)

    def fetch(**kw):
        return queries.list_buyers(r, scope=scope, only_one_supplier=only_one_supplier, q=q, **kw)

    if format != "html":
        return download(fetch, format, "buyers")
    return html_response(request, "buyers.html", {"result": fetch(page=page, per_page=per_page), "scope": scope,
                                                  "only_one_supplier": only_one_supplier, "q": q or ""})


@router.get("/buyers/{key:path}", response_class=HTMLResponse)
def buyer_page(request: Request, key: str = Path(..., max_length=300),
               scope: str = Query("surveillance", pattern="^(surveillance|all)$")):
    b = queries.get_buyer(_r(request), key, scope=scope)
    ctx = {"b": b, "scope": scope, "chart_year": charts.per_year_chart(b["per_year"]),
           "chart_suppliers": charts.shares_chart(b["suppliers"], title="Suppliers of this buyer")}
    return html_response(request, "buyer.html", ctx)


@router.get("/suppliers", response_class=HTMLResponse)
def suppliers_page(request: Request, scope: str = Query("surveillance", pattern="^(surveillance|all)$"),
                   q: str | None = Query(None, max_length=200), page: int = Query(1, ge=1),
                   per_page: int = Query(50, ge=1, le=500), format: Format = "html"):
    r = _r(request)

    def fetch(**kw):
        return queries.list_suppliers(r, scope=scope, q=q, **kw)

    if format != "html":
        return download(fetch, format, "suppliers")
    return html_response(request, "suppliers.html", {"result": fetch(page=page, per_page=per_page),
                                                     "scope": scope, "q": q or ""})


@router.get("/suppliers/{key:path}", response_class=HTMLResponse)
def supplier_page(request: Request, key: str = Path(..., max_length=300),
                  scope: str = Query("surveillance", pattern="^(surveillance|all)$")):
    s = queries.get_supplier(_r(request), key, scope=scope)
    ctx = {"s": s, "scope": scope, "chart_year": charts.per_year_chart(s["per_year"]),
           "chart_buyers": charts.shares_chart(s["buyers"], title="Buyers of this supplier")}
    return html_response(request, "supplier.html", ctx)


@router.get("/flags", response_class=HTMLResponse)
def flags_page(request: Request, code: str | None = Query(None, pattern=r"^[A-Za-z0-9_.-]{0,40}$"),
               subject_type: str | None = Query(None, pattern=r"^[a-z_]{0,30}$"), page: int = Query(1, ge=1),
               per_page: int = Query(50, ge=1, le=500), format: Format = "html"):
    r = _r(request)

    def fetch(**kw):
        return queries.list_flags(r, code=code or None, subject_type=subject_type or None, **kw)

    if format != "html":
        return download(fetch, format, "flags")
    return html_response(request, "flags.html", {"result": fetch(page=page, per_page=per_page), "code": code or "",
                                                 "indicators": queries.list_indicators(r)})


@router.get("/indicators", response_class=HTMLResponse)
def indicators_page(request: Request):
    return html_response(request, "indicators.html", {"indicators": queries.list_indicators(_r(request))})


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(request: Request, code: str = Path(..., pattern=CODE_PATTERN), page: int = Query(1, ge=1)):
    return html_response(request, "indicator.html", {"i": queries.get_indicator(_r(request), code, page=page)})


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=200)):
    result = queries.search(_r(request), q) if q.strip() else None
    return html_response(request, "search.html", {"q": q, "result": result})


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, scope: str = Query("surveillance", pattern="^(surveillance|all)$"),
             show: str = Query("purchases", pattern="^(purchases|cameras)$")):
    from nadzor.web.geo import districts_geojson

    counts = queries.district_counts(_r(request), scope=scope)
    ctx = {"counts": counts, "scope": scope, "show": show,
           "chart_map": charts.district_map(districts_geojson(), counts["districts"], field=show)}
    return html_response(request, "map.html", ctx)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request):
    return html_response(request, "sources.html", {"sources": queries.list_sources(_r(request))})


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs_page(request: Request):
    spec = request.app.openapi()
    return html_response(request, "api_docs.html", {"spec": spec})


@router.get("/robots.txt")
def robots() -> Response:
    return Response("User-agent: *\nDisallow: /api/\n", media_type="text/plain")
