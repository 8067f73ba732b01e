"""Place buyers in Serbia's districts (okruzi) by the municipality named in the buyer's name or address.

A buyer such as "Grad Niš", "Gradska uprava grada Niša" or "Општина Ариље" names its municipality; the bundled
municipality list (``nadzor/evidence/geo/serbia_municipalities.csv``, both scripts) maps that to a district, and
the bundled Natural Earth polygons (``nadzor/evidence/geo/serbia_districts.geojson``, lightened for the page when
first loaded) draw it. A buyer that names no municipality is left unplaced, never guessed from anything else.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from importlib import resources

from nadzor.web.text import tokens

__all__ = ["districts_geojson", "district_of", "district_names"]


# Coordinates rounded to 4 decimals (about 10 m) are plenty for a district map and make the page's JSON a third.
_DECIMALS = 4


def _rounded(coords):
    if coords and isinstance(coords[0], (int, float)):
        return [round(v, _DECIMALS) for v in coords]
    return [_rounded(c) for c in coords]


@lru_cache(maxsize=1)
def districts_geojson() -> dict:
    """Return the bundled district polygons (a GeoJSON FeatureCollection; properties ``name``, ``adm1_code``,
    ``code_hasc``), lightened for the map from the evidence stage's copy (``nadzor/evidence/geo/SOURCES.md``)."""
    text = resources.files("nadzor.evidence.geo").joinpath("serbia_districts.geojson").read_text(encoding="utf-8")
    features = []
    for f in json.loads(text)["features"]:
        p = f["properties"]
        features.append({
            "type": "Feature",
            "properties": {"name": p["NAME_2"], "adm1_code": p["adm1_code"], "code_hasc": p["code_hasc"]},
            "geometry": {"type": f["geometry"]["type"], "coordinates": _rounded(f["geometry"]["coordinates"])},
        })
    return {"type": "FeatureCollection", "features": features}


def district_names() -> list[str]:
    """Return the district names as they appear in the polygons."""
    return [f["properties"]["name"] for f in districts_geojson()["features"]]


@lru_cache(maxsize=1)
def _municipalities() -> list[tuple[list[str], str]]:
    """(name tokens, district name) for every municipality, both scripts, longest names first."""
    out = []
    # one municipality list for the whole package: the evidence stage's copy (nadzor/evidence/geo/SOURCES.md)
    with resources.files("nadzor.evidence.geo").joinpath("serbia_municipalities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            district = row["OkrugNazivLat"].removesuffix(" okrug").strip()
            for name in {row["OpstinaNazivLat"], row["OpstinaNazivCir"]}:
                # "Beograd-Vozdovac" style names: the part after the city is the municipality.
                toks = tokens(name.split("-", 1)[1] if name.startswith(("Београд-", "Beograd-")) else name)
                if toks:
                    out.append((toks, district))
            if row["OkrugSifra"] == "00":
                out.append((["beograd"], district))
    out.sort(key=lambda t: -sum(len(x) for x in t[0]))
    return out


def _word_matches(word: str, name: str) -> bool:
    # Serbian declension: "Niša" (Niš), "Beograda" (Beograd), "Kragujevca" (Kragujevac), "Čačku" (Čačak).
    if word == name:
        return True
    if len(name) >= 3 and word.startswith(name) and len(word) - len(name) <= 2:
        return True
    if name.endswith("ac") and word.startswith(name[:-2] + "c") and len(word) - len(name) <= 1:
        return True
    if name.endswith("ak") and word.startswith(name[:-2] + "k") and len(word) - len(name) <= 1:
        return True
    return False


def district_of(*texts: str | None) -> str | None:
    """Return the district named by the first text that names a municipality (buyer name, then address)."""
    for text in texts:
        words = tokens(text)
        if not words:
            continue
        for name_toks, district in _municipalities():
            n = len(name_toks)
            for i in range(len(words) - n + 1):
                if all(_word_matches(words[i + j], name_toks[j]) for j in range(n)):
                    return district
    return None
