"""Vega-Lite specifications for the charts (rendered in the browser by the vendored vega-embed, offline).

Data goes into the spec as JSON values; the page embeds the spec with Jinja's ``tojson`` (which escapes ``<``,
``>``, ``&`` and quotes), and Vega draws text as SVG text nodes, so a name from the data cannot become markup.
"""

from __future__ import annotations

__all__ = ["per_year_chart", "shares_chart", "single_bid_rate_chart", "district_map"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier only: nothing is fetched


def _count_axis(top: int) -> dict:
    """Whole-number ticks for counts (small counts would otherwise get 0.5 steps)."""
    if top <= 10:
        return {"values": list(range(0, int(top) + 1)), "format": "d"}
    return {"tickMinStep": 1, "format": "d"}


def per_year_chart(rows: list[dict], title: str = "Purchases per year") -> dict:
    """Return a bar chart of purchases per year; rows have ``year`` and ``purchases``."""
    return {
        "$schema": SCHEMA, "title": title, "width": "container", "height": 200,
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Year"},
            "y": {"field": "purchases", "type": "quantitative", "title": "Purchases",
                  "axis": _count_axis(max((r.get("purchases") or 0 for r in rows), default=0))},
        },
    }


def shares_chart(rows: list[dict], *, label: str = "name", value: str = "purchases",
                 title: str = "Share of purchases") -> dict:
    """Return a horizontal bar chart of counts per name (supplier shares, buyer shares)."""
    return {
        "$schema": SCHEMA, "title": title, "width": "container", "height": {"step": 22},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": [{"name": str(r.get(label) or "?"), "n": r.get(value) or 0} for r in rows[:15]]},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "name", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 260}},
            "x": {"field": "n", "type": "quantitative", "title": value.replace("_", " ").capitalize(),
                  "axis": _count_axis(max((r.get(value) or 0 for r in rows[:15]), default=0))},
        },
    }


def single_bid_rate_chart(rows: list[dict]) -> dict:
    """Return a line chart of the share of purchases with a single bid per year (rows from purchases_per_year)."""
    values = [{"year": r["year"], "rate": (r["single_bid"] / r["purchases"]) if r["purchases"] else None}
              for r in rows]
    return {
        "$schema": SCHEMA, "title": "Share of purchases with a single bid", "width": "container", "height": 160,
        "data": {"values": values},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Year"},
            "y": {"field": "rate", "type": "quantitative", "title": "Single-bid share",
                  "axis": {"format": "%"}, "scale": {"domain": [0, 1]}},
        },
    }


def district_map(geojson: dict, counts: list[dict], *, field: str = "purchases") -> dict:
    """Return a choropleth of ``field`` per district, drawn from the bundled polygons (no tile server)."""
    by = {c["district"]: c for c in counts}
    features = []
    for f in geojson["features"]:
        name = f["properties"]["name"]
        c = by.get(name, {})
        features.append({"type": "Feature", "geometry": f["geometry"],
                         "properties": {"name": name, "purchases": c.get("purchases", 0),
                                        "buyers": c.get("buyers", 0), "cameras": c.get("cameras")}})
    return {
        "$schema": SCHEMA, "width": "container", "height": 520,
        "data": {"values": {"type": "FeatureCollection", "features": features}, "format": {"property": "features"}},
        "projection": {"type": "mercator"},
        "mark": {"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.8},
        "encoding": {
            "color": {"field": f"properties.{field}", "type": "quantitative", "title": field.capitalize(),
                      "scale": {"scheme": "blues", "domainMin": 0}},
            "tooltip": [{"field": "properties.name", "title": "District"},
                        {"field": "properties.purchases", "title": "Purchases"},
                        {"field": "properties.buyers", "title": "Buyers"},
                        {"field": "properties.cameras", "title": "Cameras"}],
        },
    }
