"""Alerts: an Atom feed of the newest surveillance purchases, filterable like /purchases.

Subscribe in any feed reader, e.g. ``/feeds/purchases.atom?capability=facial_recognition`` or
``?buyer=<key>`` or ``?region=Nišavski``. Entries are the 50 most recent purchases by tender date.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nadzor.web import queries
from nadzor.web.params import purchase_filters

__all__ = ["router", "purchases_feed"]

router = APIRouter(include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"


def purchases_feed(r: queries.Reader, f: queries.PurchaseFilters, base_url: str, *, limit: int = 50) -> bytes:
    """Return an Atom document (bytes) of the newest purchases matching ``f``; every text is XML-escaped."""
    page = queries.list_purchases(r, f, sort="-date", per_page=limit)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    desc = ", ".join(f"{k}={v}" for k, v in f.as_params().items())
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "nadzor: new surveillance purchases" + (f" ({desc})" if desc else "")
    self_url = base_url.rstrip("/") + "/feeds/purchases.atom" + ("?" + urlencode(f.as_params()) if desc else "")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _when(page.rows[0]["date"] if page.rows else None)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "nadzor"
    for row in page.rows:
        e = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = base_url.rstrip("/") + "/purchases/" + quote(row["ocid"], safe="")
        ET.SubElement(e, f"{{{ATOM}}}id").text = url
        ET.SubElement(e, f"{{{ATOM}}}title").text = row["title"] or row["ocid"]
        ET.SubElement(e, f"{{{ATOM}}}link", href=url)
        ET.SubElement(e, f"{{{ATOM}}}updated").text = _when(row["date"])
        suppliers = ", ".join(s["name"] or s["key"] for s in row["suppliers"]) or "no supplier yet"
        summary = (f"{row['buyer_name'] or '?'} - {suppliers}; bids: {row['bids'] if row['bids'] is not None else '?'}"
                   f"; capabilities: {', '.join(row['capabilities']) or '-'}"
                   + (f"; flags: {', '.join(row['flags'])} (risk indicators, not proof)" if row["flags"] else ""))
        ET.SubElement(e, f"{{{ATOM}}}summary").text = summary
        for cap in row["capabilities"]:
            ET.SubElement(e, f"{{{ATOM}}}category", term=cap)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _when(date: str | None) -> str:
    if date:
        try:
            d = datetime.fromisoformat(date.replace("Z", "+00:00"))
            if d.tzinfo is None:
                d = d.replace(tzinfo=timezone.utc)
            return d.isoformat()
        except ValueError:
            pass
    return datetime(1970, 1, 1, tzinfo=timezone.utc).isoformat()


@router.get("/feeds/purchases.atom")
def purchases_atom(request: Request, f=Depends(purchase_filters)):
    body = purchases_feed(request.app.state.reader, f, str(request.base_url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")
