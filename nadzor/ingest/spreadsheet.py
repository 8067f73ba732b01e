"""Convert a table (CSV or XLSX) into OCDS 1.1 releases through a column mapping (``AdapterMetadata``).

One row becomes one release. Rows that share a ``process_id`` become releases of one process (one award per
row, e.g. one per lot). A value that cannot be parsed quarantines its row with the locator ``R12:column``
and the reason; the raw row is kept. Columns neither mapped nor ignored are warned about.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import orjson

from nadzor.adapters.metadata import AdapterMetadata
from nadzor.ingest.conversion import Conversion
from nadzor.ingest.table import find_header, read_table
from nadzor.ingest.values import parse_bool, parse_date, parse_int, parse_number
from nadzor.text import fold

__all__ = ["convert_table", "parse_items"]

_NUMBER_FIELDS = {"tender_value", "amount"}
_INT_FIELDS = {"number_of_tenderers", "number_of_valid_tenders"}
_DATE_FIELDS = {"tender_deadline", "date", "contract_date", "release_date"}
_BOOL_FIELDS = {"facial_recognition", "award_decision"}
_ITEM = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:x|×|kom\.?|komada|pcs\.?|kos|st\.?)?\s+(.+?)\s*$", re.I)


def parse_items(text: str) -> list[dict]:
    """Split '40 kamera; 2 servera' (separated by ; or new lines) into items with quantity and description."""
    items = []
    for part in re.split(r"[;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        m = _ITEM.match(part)
        if m:
            items.append({"description": m.group(2), "quantity": parse_number(m.group(1), decimal=",")})
        else:
            items.append({"description": part})
    return items


def _row_hash(row: list) -> str:
    return hashlib.sha1(orjson.dumps([("" if c is None else str(c)) for c in row])).hexdigest()[:12]


def _raw(row: list) -> str:
    return orjson.dumps([("" if c is None else str(c)) for c in row]).decode()


def convert_table(path: Path | str, meta: AdapterMetadata, *, data: bytes | None = None,
                  sheet: str | None = None) -> Conversion:
    """Convert one CSV/XLSX file with the mapping ``meta``; see the module docstring for the rules."""
    table = read_table(path, encoding=meta.encoding, delimiter=meta.delimiter, sheet=sheet or meta.sheet,
                       data=data)
    conv = Conversion(encoding=table.encoding, format=table.format, warnings=list(table.warnings))
    specs = meta.column_specs()
    expected = [[col, *spec.aliases] for col, spec in specs.items()] + [[c] for c in meta.ignore]
    header = find_header(table, expected, first_row=meta.header_row, depth=meta.header_rows)
    folded_names = [fold(n) for n in header.names]

    # Resolve each mapped column to a position; warn about what is missing and what is not interpreted.
    positions: dict[str, tuple[int, str]] = {}   # field -> (column index, header as in the file)
    used = set()
    for col, spec in specs.items():
        accepted = {fold(n) for n in [col, *spec.aliases]}
        idx = next((j for j, n in enumerate(folded_names) if n in accepted), None)
        if idx is None:
            message = f"expected column {col!r} ({spec.field}) is not in the file"
            if spec.required:
                conv.quarantined.append(("file", message + "; nothing was read", None))
                return conv
            if meta.warn_missing:
                conv.warnings.append(("file", message))
            continue
        if spec.field in positions:
            conv.warnings.append((f"R{header.first_row}:{header.names[idx]}",
                                  f"column {header.names[idx]!r} also maps to {spec.field}; the first one is used"))
            used.add(idx)
            continue
        positions[spec.field] = (idx, header.names[idx])
        used.add(idx)
    ignored = {fold(c) for c in meta.ignore}
    for j, name in enumerate(header.names):
        if j in used or not name or folded_names[j] in ignored:
            continue
        conv.warnings.append((f"R{header.first_row}:{name}",
                              f"column {name!r} is neither mapped nor ignored (new or renamed?): its values "
                              "were not read; add it to the mapping's columns or ignore list"))
    if header.first_row > 1 or header.depth > 1:
        conv.warnings.append(("file", f"header found at row {header.first_row} spanning {header.depth} row(s)"))

    filled = {f: 0 for f in positions}
    n_rows = 0
    for i in range(header.data_start, len(table.rows)):
        row = table.rows[i]
        rownum = i + 1
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        n_rows += 1
        values, problem = {}, None
        for fld, (idx, name) in positions.items():
            cell = row[idx] if idx < len(row) else None
            if isinstance(cell, str):
                cell = cell.strip()
            try:
                value = _parse(fld, cell, meta)
            except ValueError as exc:
                problem = (f"R{rownum}:{name}", f"{name}: {exc}")
                break
            if value not in (None, "", []):
                filled[fld] += 1
                values[fld] = value
        if problem:
            conv.quarantined.append((problem[0], problem[1], _raw(row)))
            continue
        if not any(k in values for k in ("title", "buyer_name", "municipality", "supplier_name", "amount",
                                          "process_id")):
            conv.quarantined.append((f"R{rownum}", "row has no title, buyer, supplier, amount or id", _raw(row)))
            continue
        release, warnings = _release(values, meta, _row_hash(row), rownum)
        conv.warnings.extend(warnings)
        conv.releases.append((f"R{rownum}", release))

    a = meta.assertions
    if a.min_rows is not None and n_rows < a.min_rows:
        conv.warnings.append(("file", f"only {n_rows} data rows; the source is expected to have at least "
                                      f"{a.min_rows}"))
    if a.max_rows is not None and n_rows > a.max_rows:
        conv.warnings.append(("file", f"{n_rows} data rows; the source is expected to have at most {a.max_rows}"))
    for fld, rate in a.fill_rates.items():
        got = filled.get(fld, 0) / n_rows if n_rows else 0.0
        if got < rate:
            conv.warnings.append(("file", f"{fld} is filled in {got:.0%} of rows; expected at least {rate:.0%}"))
    return conv


def _parse(fld: str, cell, meta: AdapterMetadata):
    if cell is None or (isinstance(cell, str) and cell == ""):
        return None
    if fld in _NUMBER_FIELDS:
        return parse_number(cell, decimal=meta.decimal)
    if fld in _INT_FIELDS:
        return parse_int(cell, decimal=meta.decimal)
    if fld in _DATE_FIELDS:
        return parse_date(cell)
    if fld in _BOOL_FIELDS:
        return parse_bool(cell)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _lookup(meta: AdapterMetadata, fld: str, raw: str) -> str | None:
    table = meta.lookups.get(fld) or {}
    wanted = fold(raw)
    for key, value in table.items():
        if fold(key) == wanted:
            return value
    return None


def _release(v: dict, meta: AdapterMetadata, row_hash: str, rownum: int) -> tuple[dict, list]:
    warnings = []
    loc = f"R{rownum}"
    pid = v.get("process_id")
    ocid = f"{meta.ocid_prefix}{pid}" if pid is not None else f"{meta.ocid_prefix}row-{row_hash}"
    # With a process id, the award/contract/item ids come from the lot and supplier, not the whole row, so a
    # corrected amount or date in a re-ingested table updates the award instead of adding a second one.
    key = row_hash if pid is None else hashlib.sha1(
        f"{v.get('lot', '')}|{fold(v.get('supplier_name', ''))}".encode()).hexdigest()[:12]
    currency = v.get("currency") or meta.currency
    parties: list[dict] = []

    def money(amount):
        return {"amount": amount, "currency": currency} if currency else {"amount": amount}

    release: dict = {"ocid": ocid, "id": f"row-{row_hash}", "date": v.get("release_date") or v.get("date")
                     or v.get("contract_date")
                     or v.get("tender_deadline") or "1970-01-01T00:00:00Z",
                     "tag": ["tender"], "initiationType": "tender"}
    if not any(k in v for k in ("release_date", "date", "contract_date", "tender_deadline")):
        warnings.append((loc, "row has no date: release date set to 1970-01-01 so it sorts first"))
    tender: dict = {"id": str(pid) if pid is not None else f"row-{row_hash}"}
    for fld in ("title", "description", "note"):
        if fld in v:
            tender[fld] = v[fld]
    buyer_name = v.get("buyer_name") or v.get("municipality")
    if buyer_name:
        buyer = {"id": "buyer", "name": buyer_name, "roles": ["buyer"]}
        if "buyer_id" in v:
            buyer["identifier"] = {"id": str(v["buyer_id"]), "legalName": buyer_name}
        if "buyer_tax_id" in v:
            buyer["additionalIdentifiers"] = [{"id": str(v["buyer_tax_id"]), "scheme": "tax-id"}]
        if "municipality" in v:
            buyer["address"] = {"locality": v["municipality"]}
        parties.append(buyer)
        release["buyer"] = {"id": "buyer", "name": buyer_name}
    if "procurement_method" in v:
        raw = str(v["procurement_method"])
        tender["procurementMethodDetails"] = raw
        method = _lookup(meta, "procurement_method", raw)
        if method:
            tender["procurementMethod"] = method
        elif meta.lookups.get("procurement_method"):
            warnings.append((loc, f"procedure type {raw!r} is not in the mapping's lookup; kept as details only"))
    if "category" in v:
        cat = _lookup(meta, "category", str(v["category"]))
        if cat:
            tender["mainProcurementCategory"] = cat
        else:
            warnings.append((loc, f"category {v['category']!r} is not in the mapping's lookup"))
    if "tender_value" in v:
        tender["value"] = money(v["tender_value"])
    if "tender_deadline" in v:
        tender["tenderPeriod"] = {"endDate": v["tender_deadline"]}
    if "number_of_tenderers" in v:
        tender["numberOfTenderers"] = v["number_of_tenderers"]
    if "facial_recognition" in v:
        tender["hasFacialRecognition"] = v["facial_recognition"]
    items = []
    if "items" in v:
        items = parse_items(str(v["items"]))
    cpv = None
    if "cpv" in v:
        m = re.search(r"\d{8}", str(v["cpv"]))
        if m:
            cpv = m.group(0)
        else:
            warnings.append((loc, f"no 8-digit CPV code in {v['cpv']!r}"))
    if cpv and not items:
        items = [{"description": v.get("title") or v.get("description") or ""}]
    for k, item in enumerate(items, start=1):
        item["id"] = f"{key}-{k}"
        if cpv:
            item["classification"] = {"scheme": "CPV", "id": cpv}
        if "lot" in v:
            item["relatedLot"] = str(v["lot"])
    if items:
        tender["items"] = items
    if "lot" in v:
        tender["lots"] = [{"id": str(v["lot"])}]
    if "source_document" in v:
        doc = str(v["source_document"])
        entry = {"id": f"doc-{key}", "documentType": "other"}
        entry["url" if re.match(r"https?://", doc) else "title"] = doc
        tender["documents"] = [entry]

    has_award = any(k in v for k in ("supplier_name", "amount", "date", "contract_date")) \
        or v.get("award_decision") is True
    if has_award:
        release["tag"] = ["award", "contract"] if ("amount" in v or "contract_date" in v) else ["award"]
        award: dict = {"id": f"award-{key}", "status": "active"}
        if "date" in v or "contract_date" in v:
            award["date"] = v.get("date") or v["contract_date"]
        if "amount" in v:
            award["value"] = money(v["amount"])
        if "number_of_tenderers" in v:
            award["numberOfTenderers"] = v["number_of_tenderers"]
        if "number_of_valid_tenders" in v:
            award["numberOfValidTenders"] = v["number_of_valid_tenders"]
        if "lot" in v:
            award["relatedLots"] = [str(v["lot"])]
        if "supplier_name" in v:
            sid = "supplier-" + hashlib.sha1(fold(v["supplier_name"]).encode()).hexdigest()[:10]
            supplier = {"id": sid, "name": v["supplier_name"], "roles": ["supplier"]}
            if "supplier_id" in v:
                supplier["identifier"] = {"id": str(v["supplier_id"]), "legalName": v["supplier_name"]}
            if "supplier_country" in v:
                supplier["address"] = {"countryName": v["supplier_country"]}
            parties.append(supplier)
            award["suppliers"] = [{"id": sid, "name": v["supplier_name"]}]
        release["awards"] = [award]
        if "amount" in v or "contract_date" in v:
            contract = {"id": f"contract-{key}", "awardID": award["id"], "status": "active"}
            if "amount" in v:
                contract["value"] = money(v["amount"])
            if "contract_date" in v:
                contract["dateSigned"] = v["contract_date"]
            release["contracts"] = [contract]
    elif v.get("award_decision") is False:
        tender["status"] = "active"
    release["tender"] = tender
    if parties:
        release["parties"] = parties
    return release, warnings
