"""Camera registry and density: camera locations (CSV or GeoJSON points), camera counts per municipality
(from FOI answers, from contract items, typed in), population tables, and cameras per 1,000 inhabitants.

No population figures ship with nadzor: density is only computed for areas whose population was loaded
(``load_population``) from a published table, and the result says which areas lack it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import orjson

from nadzor.exceptions import InputError
from nadzor.ingest.values import decode_bytes, parse_int
from nadzor.text import fold
from nadzor.evidence.municipalities import district_names, match_municipality

__all__ = ["CAMERA_TERMS", "read_camera_file", "ingest_cameras", "load_population", "add_camera_count",
           "contract_camera_counts", "density", "cameras_geojson", "camera_rows", "districts_geojson",
           "read_population"]

# Item descriptions that name cameras (folded text): Serbian/Croatian/Bosnian Latin and Cyrillic (folded to
# Latin), English. "kamer" covers kamera, kamere, kamerа; "kamern" (kamerni = chamber) is excluded.
CAMERA_TERMS = re.compile(r"\b(kamer(?!n)\w*|camera\w*|cctv|ip cam\w*|video ?nadzor\w*)", re.I)

_LAT = {"latitude", "lat", "geografska sirina", "sirina", "y"}
_LON = {"longitude", "lon", "lng", "long", "geografska duzina", "duzina", "x"}
_ADDRESS = {"adress", "address", "adresa", "lokacija", "location", "ulica"}
_YEAR = {"year", "godina"}
_AREA = {"municipality", "opstina", "grad", "city", "area", "town", "mesto"}
_COUNT = {"cameras", "broj kamera", "count", "kamera"}


def _now():
    return datetime.now(timezone.utc)


def _coord(value, low: float, high: float) -> float:
    text = str(value).strip().replace(",", ".") if not isinstance(value, (int, float)) else value
    number = float(text)
    if not low <= number <= high:
        raise ValueError(f"{value!r} is outside {low}..{high}")
    return number


def read_camera_file(path: Path | str, *, dataset: str | None = None):
    """Read camera points from a CSV (latitude/longitude columns) or GeoJSON (Point features) file.

    Returns (cameras, quarantined, warnings); each camera is a dict with camera_id, dataset, lon, lat,
    address, area_name, cameras, year, properties, locator. Rows without usable coordinates are quarantined
    (``R12:latitude`` / ``/features/3``) with the reason.
    """
    path = Path(path)
    dataset = dataset or path.stem
    data = path.read_bytes()
    text, encoding, warning = decode_bytes(data)
    warnings = [("file", warning)] if warning else []
    cams, bad = [], []
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON ({exc})") from exc
        features = doc.get("features") if isinstance(doc, dict) else None
        if features is None:
            raise InputError(f"{path}: not a GeoJSON FeatureCollection")
        for i, f in enumerate(features):
            loc = f"/features/{i}"
            geom = (f or {}).get("geometry") or {}
            if geom.get("type") != "Point":
                bad.append((loc, f"geometry is {geom.get('type')!r}, not a Point", orjson.dumps(f).decode()))
                continue
            try:
                lon = _coord(geom["coordinates"][0], -180, 180)
                lat = _coord(geom["coordinates"][1], -90, 90)
            except (ValueError, TypeError, IndexError, KeyError) as exc:
                bad.append((loc, f"coordinates: {exc}", orjson.dumps(f).decode()))
                continue
            props = dict(f.get("properties") or {})
            cams.append(_camera(dataset, str(f.get("id", i)), lon, lat, props, loc))
        return cams, bad, warnings
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    if not rows:
        raise InputError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    folded = [fold(h) for h in header]

    def col(names):
        return next((j for j, h in enumerate(folded) if h in names), None)

    ilat, ilon = col(_LAT), col(_LON)
    if ilat is None or ilon is None:
        raise InputError(f"{path}: no latitude/longitude columns (found: {', '.join(header)})")
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            lat = _coord(row[ilat], -90, 90)
        except (ValueError, IndexError) as exc:
            bad.append((f"R{n}:{header[ilat]}", f"latitude: {exc}", orjson.dumps(row).decode()))
            continue
        try:
            lon = _coord(row[ilon], -180, 180)
        except (ValueError, IndexError) as exc:
            bad.append((f"R{n}:{header[ilon]}", f"longitude: {exc}", orjson.dumps(row).decode()))
            continue
        props = {header[j]: row[j] for j in range(min(len(header), len(row))) if j not in (ilat, ilon)}
        cams.append(_camera(dataset, str(n), lon, lat, props, f"R{n}"))
    return cams, bad, warnings


def _delimiter(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in ",;\t|"}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _camera(dataset, ident, lon, lat, props, locator) -> dict:
    def pick(names):
        for k, v in props.items():
            if fold(k) in names and v not in (None, ""):
                return v
        return None

    year = pick(_YEAR)
    count = pick(_COUNT)
    try:
        year = parse_int(year) if year is not None else None
    except ValueError:
        year = None
    try:
        count = parse_int(count) if count is not None else 1
    except ValueError:
        count = 1
    area = pick(_AREA)
    return {"camera_id": f"{dataset}:{ident}", "dataset": dataset, "lon": lon, "lat": lat,
            "address": pick(_ADDRESS), "area_name": area, "cameras": count or 1, "year": year,
            "properties": props, "locator": locator}


def _begin(store, path: Path, adapter: str, fmt: str):
    from nadzor.ingest import api

    return api.begin_source(store, path, adapter=adapter, format=fmt, media_type=None)


def _finish(store, source, n_rows: int, bad, warnings) -> None:
    from nadzor.ingest import api

    for loc, reason, raw in bad:
        api.quarantine(store, source, loc, reason, raw)
    for loc, msg in warnings:
        api.warn(store, source, loc, msg)
    api.finish_source(store, source, api.IngestReport(sources=1, releases=0, quarantined=len(bad),
                                                      warnings=len(warnings)))


def ingest_cameras(store, path: Path | str, *, dataset: str | None = None, area_name: str | None = None) -> dict:
    """Store camera points from a file (replacing earlier rows from the same bytes); return a summary.

    ``area_name`` sets the municipality/town for every point (e.g. "Zagreb") when the file has none.
    """
    path = Path(path)
    cams, bad, warnings = read_camera_file(path, dataset=dataset)
    with store.transaction():
        source = _begin(store, path, "cameras", path.suffix.lower().lstrip("."))
        sid = source.source_id
        if source.already_complete:
            return {"file": str(path), "source_id": sid, "cameras": 0, "quarantined": 0,
                    "warnings": ["already ingested: skipped"]}
        store.con.execute("DELETE FROM cameras WHERE source_id = ?", [sid])
        for c in cams:
            name = c["area_name"] or area_name
            m = match_municipality(name) if name else None
            store.con.execute(
                "INSERT INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [c["camera_id"], c["dataset"], c["lon"], c["lat"], c["address"], m.code if m else None, name,
                 c["cameras"], c["year"], orjson.dumps(c["properties"]).decode(), sid, c["locator"]])
        _finish(store, source, len(cams), bad, warnings)
    return {"file": str(path), "source_id": sid, "cameras": len(cams), "quarantined": len(bad),
            "warnings": [m for _, m in warnings]}


def read_population(path: Path | str):
    """Read a population table: CSV with columns area_code, area_name (or name), population, year, source.

    Returns (rows, quarantined). A row with a missing or non-numeric population is quarantined, never
    filled in.
    """
    path = Path(path)
    text, _, _ = decode_bytes(path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    fields = {fold(f): f for f in (reader.fieldnames or [])}
    need = {"area_code", "population", "year"}
    missing = [n for n in need if n not in fields]
    if missing or ("area_name" not in fields and "name" not in fields):
        raise InputError(f"{path}: a population table needs the columns area_code, area_name (or name), "
                         f"population, year, source; missing: {', '.join(missing) or 'area_name'}")
    name_col = fields.get("area_name") or fields["name"]
    rows, bad = [], []
    for n, r in enumerate(reader, start=2):
        try:
            pop = parse_int(r[fields["population"]], decimal=",")
            year = parse_int(r[fields["year"]])
            if pop is None or pop <= 0:
                raise ValueError("population is empty or not positive")
        except ValueError as exc:
            bad.append((f"R{n}:population", str(exc), orjson.dumps(r).decode()))
            continue
        rows.append({"area_code": r[fields["area_code"]].strip(), "area_name": r[name_col].strip(),
                     "population": pop, "year": year, "source": (r.get(fields.get("source", ""), "") or "").strip()
                     or None, "locator": f"R{n}"})
    return rows, bad


def load_population(store, path: Path | str) -> dict:
    """Store a population table (replacing figures for the same area and year); return a summary."""
    path = Path(path)
    rows, bad = read_population(path)
    with store.transaction():
        source = _begin(store, path, "population", "csv")
        if source.already_complete:
            return {"file": str(path), "areas": 0, "quarantined": 0}
        for r in rows:
            store.con.execute("DELETE FROM population WHERE area_code = ? AND year = ?", [r["area_code"], r["year"]])
            store.con.execute("INSERT INTO population VALUES (?, ?, ?, ?, ?, ?, ?)",
                              [r["area_code"], r["area_name"], r["population"], r["year"], r["source"],
                               source.source_id, r["locator"]])
        _finish(store, source, len(rows), bad, [])
    return {"file": str(path), "areas": len(rows), "quarantined": len(bad)}


def add_camera_count(store, *, area_name: str, cameras: int, basis: str = "foi", area_code: str | None = None,
                     as_of: str | None = None, foi_id: str | None = None, ocid: str | None = None,
                     note: str | None = None) -> dict:
    """Record a camera count for an area (e.g. from an FOI answer); the area code is matched when not given."""
    if basis not in ("foi", "contract", "registry", "manual"):
        raise InputError("basis must be foi, contract, registry or manual")
    if cameras is None or cameras < 0:
        raise InputError("the camera count must be a number >= 0")
    if area_code is None:
        m = match_municipality(area_name)
        area_code = m.code if m else None
    row = {"area_code": area_code, "area_name": area_name, "cameras": cameras, "basis": basis, "as_of": as_of,
           "foi_id": foi_id, "ocid": ocid, "note": note, "source_id": None, "locator": None}
    store.con.execute("INSERT INTO camera_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row.values()))
    return row


def contract_camera_counts(store) -> list[dict]:
    """Count cameras bought per process from item quantities whose description names cameras.

    Returns one row per process: ocid, buyer_name, area_code, area_name, district, cameras (the quantities of
    the tender's, an award's or a contract's camera items, whichever list adds up to most: the lists repeat each
    other), items_without_quantity. The buyer is matched to a municipality by name.
    """
    rows = store.rows(
        "SELECT i.ocid, i.origin, i.description, i.quantity, p.buyer_name FROM items i "
        "LEFT JOIN processes p USING (ocid) WHERE i.description IS NOT NULL")
    out: dict[str, dict] = {}
    by_origin: dict[tuple[str, str], int] = {}
    for r in rows:
        if not CAMERA_TERMS.search(fold(r["description"])):
            continue
        m = match_municipality(r["buyer_name"])
        entry = out.setdefault(r["ocid"], {
            "ocid": r["ocid"], "buyer_name": r["buyer_name"], "area_code": m.code if m else None,
            "area_name": m.name if m else None, "district": m.district_name if m else None, "cameras": 0,
            "items_without_quantity": 0})
        if r["quantity"] is None:
            entry["items_without_quantity"] += 1
        else:
            key = (r["ocid"], r["origin"] or "")
            by_origin[key] = by_origin.get(key, 0) + int(r["quantity"])
    # The same cameras are often listed in the tender and again in the award or contract: take the largest
    # list's total, never the sum of the lists.
    for (ocid, _), n in by_origin.items():
        out[ocid]["cameras"] = max(out[ocid]["cameras"], n)
    return sorted(out.values(), key=lambda e: (e["area_name"] or "~", e["ocid"]))


def density(store) -> dict:
    """Cameras per 1,000 inhabitants per area, from each basis separately (registry points, FOI/manual
    counts, contract items) and the latest population loaded.

    Returns {"areas": [...], "note": ...}; an area without population has ``per_1000`` None and is listed
    in ``missing_population``.
    """
    areas: dict[str, dict] = {}

    def area(code, name):
        key = code or f"name:{fold(name or '?')}"
        return areas.setdefault(key, {"area_code": code, "area_name": name, "registry": 0, "reported": 0,
                                      "contracted": 0})

    for r in store.rows("SELECT area_code, coalesce(area_name, 'unknown area (' || dataset || ')') AS area_name, "
                        "sum(cameras) AS n FROM cameras GROUP BY ALL"):
        area(r["area_code"], r["area_name"])["registry"] += int(r["n"] or 0)
    for r in store.rows("SELECT area_code, area_name, cameras, basis FROM camera_counts"):
        a = area(r["area_code"], r["area_name"])
        if r["basis"] == "contract":
            a["contracted"] += r["cameras"]
        else:
            a["reported"] = max(a["reported"], r["cameras"])   # several answers: the largest count stands
    for r in contract_camera_counts(store):
        area(r["area_code"], r["area_name"] or r["buyer_name"])["contracted"] += r["cameras"]
    pops = {r["area_code"]: r for r in store.rows(
        "SELECT area_code, arg_max(population, year) AS population, max(year) AS year, "
        "arg_max(source, year) AS source FROM population GROUP BY area_code")}
    missing = []
    for a in areas.values():
        p = pops.get(a["area_code"])
        a["cameras"] = max(a["registry"], a["reported"], a["contracted"])
        a["population"] = p["population"] if p else None
        a["population_year"] = p["year"] if p else None
        a["population_source"] = p["source"] if p else None
        a["per_1000"] = round(1000 * a["cameras"] / p["population"], 3) if p else None
        if not p:
            missing.append(a["area_name"] or a["area_code"])
    note = ("cameras = the largest of the registry points, the counts reported (FOI, typed in) and the "
            "quantities in contracts; per_1000 uses the latest population loaded.")
    if not pops:
        note += " No population table is loaded, so no density can be computed (load one with " \
                "`nadzor cameras population FILE`)."
    return {"areas": sorted(areas.values(), key=lambda a: (-(a["per_1000"] or -1), a["area_name"] or "")),
            "missing_population": sorted(m for m in missing if m), "note": note}


def camera_rows(store, dataset: str | None = None) -> list[dict]:
    """Return stored camera points (for CSV)."""
    sql = "SELECT camera_id, dataset, lon, lat, address, area_code, area_name, cameras, year, source_id, " \
          "locator FROM cameras"
    params = []
    if dataset:
        sql += " WHERE dataset = ?"
        params.append(dataset)
    return store.rows(sql + " ORDER BY dataset, camera_id", params)


def cameras_geojson(store, dataset: str | None = None) -> dict:
    """Return stored camera points as a GeoJSON FeatureCollection (WGS84)."""
    features = []
    for r in camera_rows(store, dataset):
        props = {k: v for k, v in r.items() if k not in ("lon", "lat")}
        features.append({"type": "Feature", "id": r["camera_id"], "properties": props,
                         "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}})
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=1)
def _district_shapes() -> str:
    return resources.files("nadzor.evidence.geo").joinpath("serbia_districts.geojson").read_text(encoding="utf-8")


def _in_ring(x, y, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_geometry(x, y, geom) -> bool:
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    for poly in polys:
        if poly and _in_ring(x, y, poly[0]) and not any(_in_ring(x, y, hole) for hole in poly[1:]):
            return True
    return False


def districts_geojson(store) -> dict:
    """Return Serbia's districts (okruzi) as a GeoJSON FeatureCollection with counts for a map.

    Properties per district: ``district_code``, ``name``, ``purchases`` (processes whose buyer name names a
    municipality of the district, Latin or Cyrillic), ``surveillance_purchases`` (those classified as
    surveillance, when classifications exist), ``cameras_registry`` (camera points inside the polygon or with
    a municipality of the district), ``cameras_reported`` (FOI and typed-in counts), ``cameras_contracted``
    (camera quantities in contract items).
    """
    doc = json.loads(_district_shapes())
    names = district_names()
    by_name = {fold(v.replace(" okrug", "")): k for k, v in names.items()}
    counts = {code: {"purchases": 0, "surveillance_purchases": 0, "cameras_registry": 0, "cameras_reported": 0,
                     "cameras_contracted": 0} for code in names}
    muni_district = {}
    from nadzor.evidence.municipalities import municipalities

    for m in municipalities():
        muni_district[m.code] = m.district_code
    surveillance = set()
    if "classifications" in store.table_names():
        surveillance = {r["ocid"] for r in store.rows(
            "SELECT ocid FROM classifications WHERE is_surveillance")}
    for r in store.rows("SELECT ocid, buyer_name FROM processes WHERE buyer_name IS NOT NULL"):
        m = match_municipality(r["buyer_name"])
        if m:
            counts[m.district_code]["purchases"] += 1
            if r["ocid"] in surveillance:
                counts[m.district_code]["surveillance_purchases"] += 1
    shapes = [(by_name.get(fold(f["properties"].get("NAME_2", ""))), f["geometry"]) for f in doc["features"]]
    for r in store.rows("SELECT lon, lat, area_code, cameras FROM cameras"):
        code = muni_district.get(r["area_code"])
        if code is None:
            code = next((c for c, g in shapes if c and _in_geometry(r["lon"], r["lat"], g)), None)
        if code is not None:
            counts[code]["cameras_registry"] += int(r["cameras"] or 0)
    for r in store.rows("SELECT area_code, cameras, basis FROM camera_counts"):
        code = muni_district.get(r["area_code"])
        if code is not None:
            key = "cameras_contracted" if r["basis"] == "contract" else "cameras_reported"
            counts[code][key] += r["cameras"]
    for r in contract_camera_counts(store):
        code = muni_district.get(r["area_code"])
        if code is not None:
            counts[code]["cameras_contracted"] += r["cameras"]
    features = []
    for f in doc["features"]:
        code = by_name.get(fold(f["properties"].get("NAME_2", "")))
        props = {"district_code": code, "name": names.get(code, f["properties"].get("NAME_2")),
                 "name_ne": f["properties"].get("NAME_2"), "iso_3166_2": f["properties"].get("iso_3166_2")}
        props.update(counts.get(code, {}))
        features.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    return {"type": "FeatureCollection", "features": features,
            "note": "Counts are what the store holds, matched by buyer name; they are leads, not totals."}
