"""Query parameters shared by pages and API routes, validated by FastAPI (a bad value is a 400, not a 500)."""

from __future__ import annotations

from typing import Literal

from fastapi import Query
from fastapi.responses import Response, StreamingResponse

from nadzor.web.download import all_rows, rows_to_csv, rows_to_json
from nadzor.web.queries import SORTS, PurchaseFilters

__all__ = ["purchase_filters", "Format", "Sort", "download", "KEY_PATTERN"]

Format = Literal["html", "json", "csv"]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
KEY_PATTERN = r"^[^\x00-\x1f]{1,300}$"


def purchase_filters(
    capability: str | None = Query(None, max_length=80, pattern=r"^[a-z0-9_-]*$",
                                   description="capability code, e.g. facial_recognition"),
    buyer: str | None = Query(None, max_length=300, description="buyer key (entity id or party id)"),
    supplier: str | None = Query(None, max_length=300, description="supplier key (entity id or party id)"),
    year: str | None = Query(None, pattern=r"^(\d{4})?$", description="year of the tender (or release date)"),
    flag: str | None = Query(None, pattern=r"^[A-Za-z0-9_.-]{0,40}$", description="indicator code, e.g. R003"),
    bids: str | None = Query(None, pattern=r"^(single|multiple)?$",
                             description="single: one bid; multiple: two or more"),
    region: str | None = Query(None, max_length=80, description="district (okrug) name, as on the map"),
    scope: Literal["surveillance", "all"] = Query("surveillance", description="all: include non-surveillance"),
) -> PurchaseFilters:
    """Collect the purchase filters from the query string (empty strings count as absent)."""
    return PurchaseFilters(capability=capability or None, buyer=buyer or None, supplier=supplier or None,
                           year=int(year) if year else None, flag=flag or None, bids=bids or None, region=region or None, scope=scope)


def download(rows_fetch, fmt: str, name: str, columns: list[str] | None = None) -> Response:
    """Return every row of a paged list as CSV or JSON (a file download)."""
    rows = all_rows(rows_fetch)
    if fmt == "csv":
        return StreamingResponse(rows_to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(rows_to_json(rows), media_type="application/json",
                     headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
