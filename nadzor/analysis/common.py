"""What every nadzor indicator shares: its definition and parameters, finding ids, local-government names,
"or equivalent" phrases, and writing findings to the store."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

import yaml

from nadzor.entities.names import fold
from nadzor.exceptions import PluginError
from nadzor.indicators.definition import Finding, IndicatorDefinition

__all__ = ["definitions", "definition", "parameters", "finding_id", "write_findings", "is_local_government",
           "has_equivalent_phrase", "EQUIVALENT_PHRASES", "evidence_of", "plural"]


@lru_cache(maxsize=1)
def definitions() -> dict[str, IndicatorDefinition]:
    """Return nadzor's own indicator definitions (NZ01...), validated, by code."""
    out = {}
    folder = resources.files("nadzor.indicators").joinpath("nadzor")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        try:
            d = IndicatorDefinition.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
        except Exception as exc:  # a broken built-in definition must be loud
            raise PluginError(f"invalid indicator definition {entry.name}: {exc}") from exc
        out[d.code] = d
    return out


def definition(code: str) -> IndicatorDefinition:
    """Return one definition by code."""
    return definitions()[code]


def parameters(code: str, overrides: dict | None = None) -> dict:
    """Return an indicator's parameters: the defaults of its definition, updated by ``overrides[code]``."""
    out = {p.name: p.default for p in definition(code).parameters}
    out.update((overrides or {}).get(code, {}))
    return out


def finding_id(code: str, subject_type: str, subject_id: str, ocid: str | None) -> str:
    """Return the stable id of a finding: sha1 of code, subject type, subject id and ocid."""
    basis = "\x1f".join([code, subject_type, subject_id or "", ocid or ""])
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()


def write_findings(store, codes: list[str], findings: list[Finding]) -> None:
    """Replace the rows of ``codes`` in the findings table by ``findings`` (one transaction)."""
    from nadzor.analysis.tables import insert_rows

    now = datetime.now(timezone.utc)
    rows = [
        (finding_id(f.code, f.subject_type, f.subject_id, f.ocid), f.code, f.indicator_version, f.subject_type,
         f.subject_id, f.ocid, None if f.value is None else float(f.value), f.explanation,
         json.dumps(f.evidence, ensure_ascii=False, default=str), json.dumps(f.details, ensure_ascii=False,
                                                                             default=str), now)
        for f in findings
    ]
    cols = ["finding_id", "code", "indicator_version", "subject_type", "subject_id", "ocid", "value", "explanation",
            "evidence", "details", "run_at"]
    with store.transaction():
        store.con.execute(f"DELETE FROM findings WHERE code IN ({', '.join('?' for _ in codes)})", codes)
        insert_rows(store, "findings", cols, rows)


_LOCAL_GOVERNMENT = re.compile(
    r"\b(opstin[aeiu]|opstinsk[aeiou]+ uprav[aeiu]|grad|grada|gradsk[aeiou]+ uprav[aeiu]|gradsk[aeiou]+ opstin[aeiu]"
    r"|skupstin[aeiu] (opstine|grada)|municipality|city of|town of|opcin[aeiu]|komuna)\b"
)
_NOT_LOCAL_GOVERNMENT = re.compile(
    r"\b(jkp|jp|javno (komunalno )?preduzece|doo|d o o|ad|skola|os|vrtic|dom zdravlja|ustanova|centar|"
    r"turisticka organizacija|agencija|zavod|biblioteka|muzej)\b"
)


def is_local_government(name: str | None) -> bool:
    """Return True if a buyer's name (any script) names a municipality or city administration."""
    if not name:
        return False
    text = fold(name)
    return bool(_LOCAL_GOVERNMENT.search(text)) and not _NOT_LOCAL_GOVERNMENT.search(text)


# Folded forms (Latin, no diacritics); Cyrillic input is transliterated before matching.
EQUIVALENT_PHRASES = [
    "ili ekvivalent", "ili ekvivalentno", "ili odgovarajuce", "ili odgovarajuci", "ili odgovarajuca",
    "ili jednakovrijedno", "ili jednakovredno", "ili slicno", "ili bolje", "ili ekvivalentan", "ili ekvivalentna",
    "or equivalent", "or equal", "or similar", "ili istovrsno", "ili odgovarajuceg", "ili odgovarajucu",
]
_EQUIVALENT = re.compile(r"\b(" + "|".join(re.escape(p) for p in EQUIVALENT_PHRASES) + r")\b")


def has_equivalent_phrase(text: str | None) -> bool:
    """Return True if ``text`` allows an equivalent ("ili odgovarajuće", "или одговарајуће", "or equivalent").

    Cyrillic is transliterated and diacritics folded before matching."""
    return bool(text) and bool(_EQUIVALENT.search(fold(text)))


def evidence_of(ocid: str, source_id: str | None, locator: str | None, field: str | None = None, **extra) -> dict:
    """Return one evidence entry in the findings shape."""
    out = {"ocid": ocid, "source_id": source_id, "locator": locator}
    if field:
        out["field"] = field
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def plural(n: int, word: str, words: str | None = None) -> str:
    """Return "1 process" / "2 processes" for explanations."""
    return f"{n} {word if n == 1 else (words or word + 'es' if word.endswith('s') else words or word + 's')}"
