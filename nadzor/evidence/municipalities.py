"""Match a buyer's name ("Opština Čačak", "Градска управа града Чачка") to a Serbian municipality and its
district (okrug), using the shipped code list (nadzor/evidence/geo/serbia_municipalities.csv).

Names are folded (Cyrillic to Latin, no diacritics) and matched as whole words; the common genitive forms
("grada Čačka", "opštine Kraljeva") of one-word names are matched too. Multi-word names in other cases
("Novog Sada") are not: such buyers stay unmatched rather than guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from nadzor.text import fold

__all__ = ["Municipality", "municipalities", "match_municipality", "district_names"]


@dataclass(frozen=True)
class Municipality:
    """One municipality (opština or city) and its district."""

    code: str
    name: str             # Latin, as in the code list
    name_cyrillic: str
    district_code: str
    district_name: str    # Latin, e.g. "Rasinski okrug", "Grad Beograd"


@lru_cache(maxsize=1)
def municipalities() -> list[Municipality]:
    """Return the shipped municipality list."""
    text = resources.files("nadzor.evidence.geo").joinpath("serbia_municipalities.csv").read_text(encoding="utf-8")
    return [Municipality(r["OpstinaSifra"], r["OpstinaNazivLat"], r["OpstinaNazivCir"], r["OkrugSifra"],
                         r["OkrugNazivLat"]) for r in csv.DictReader(text.splitlines())]


def district_names() -> dict[str, str]:
    """Return district code -> Latin district name."""
    return {m.district_code: m.district_name for m in municipalities()}


def _forms(name: str) -> set[str]:
    """The folded name and, for one-word names, its genitive (Čačak -> čačka, Kraljevo -> kraljeva)."""
    base = fold(re.sub(r"\(.*?\)", "", name)).strip()
    forms = {base}
    if " " not in base and "-" not in base and len(base) > 3:
        if base.endswith("o"):
            forms.add(base[:-1] + "a")
        elif base.endswith("a"):
            forms.add(base[:-1] + "e")
        else:
            forms.add(base + "a")
            if re.search(r"[^aeiou]a[^aeiou]$", base):
                forms.add(base[:-2] + base[-1] + "a")   # fleeting a: Čačak -> Čačka, Aleksinac -> Aleksinca
    return forms


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, Municipality]]:
    out = []
    for m in municipalities():
        for form in _forms(m.name) | _forms(m.name_cyrillic):
            if form:
                out.append((re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])"), m))
    out.sort(key=lambda p: -len(p[0].pattern))   # longest first: "novi beograd" before "beograd"
    return out


@lru_cache(maxsize=4096)
def match_municipality(name: str | None) -> Municipality | None:
    """Return the municipality named in ``name`` (a buyer name or a place), or None if none is."""
    if not name:
        return None
    text = fold(name)
    for pattern, m in _patterns():
        if pattern.search(text):
            return m
    return None
