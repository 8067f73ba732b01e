"""Cardinal's ``prepare``: fix common data-quality issues in compiled releases before computing indicators.

Streams a JSON-lines file, keeps line order and key order, changes only the fields a setting asks to change, and
writes one CSV row per remaining issue (line, ocid, path, array indexes, incorrect value, description). The
output is byte-identical to Cardinal's on its fixtures.
"""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path
from typing import IO

import orjson

from nadzor.exceptions import InputError
from nadzor.indicators.cardinal.reader import json_lines
from nadzor.indicators.cardinal.settings import Settings, pipe_list

__all__ = ["prepare", "prepare_file", "BID_STATUS", "AWARD_STATUS"]

log = logging.getLogger(__name__)

BID_STATUS = {"invited", "pending", "valid", "disqualified", "withdrawn"}
AWARD_STATUS = {"pending", "active", "cancelled", "unsuccessful"}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _stringify(obj: dict, key: str) -> None:
    v = obj.get(key)
    if _is_number(v):
        obj[key] = _number_text(v)


def _number_text(v) -> str:
    return orjson.dumps(v).decode()


class _Preparer:
    def __init__(self, settings: Settings):
        g = settings.get
        self.currency = g("defaults", "currency")
        self.scheme = g("defaults", "item_classification_scheme")
        self.bid_status_default = g("defaults", "bid_status")
        self.award_status_default = g("defaults", "award_status")
        self.party_roles = bool(g("defaults", "party_roles", False))
        amounts = []
        for part in pipe_list(g("redactions", "amount")):
            try:
                amounts.append(float(part))
            except ValueError:
                continue
        self.redact_amount = set(amounts)
        self.redact_id = set(pipe_list(g("redactions", "organization_id")))
        self.by_contract = bool(g("corrections", "award_status_by_contract_status", False))
        self.move_auctions = bool(g("modifications", "move_auctions", False))
        self.prefix_org = g("modifications", "prefix_buyer_or_procuring_entity_id") or ""
        self.prefix_tenderer = g("modifications", "prefix_tenderer_or_supplier_id") or ""
        self.split = g("modifications", "split_procurement_method_details")
        self.bid_codes = settings.mappings.get("codelists.bid_status", {})
        self.award_codes = settings.mappings.get("codelists.award_status", {})

    def _id_object(self, parent: dict, key: str, prefix: str, roles: dict, role: str) -> None:
        obj = parent.get(key)
        if isinstance(obj, dict):
            self._id(obj, prefix, roles, role)

    def _id(self, obj: dict, prefix: str, roles: dict, role: str) -> None:
        _stringify(obj, "id")
        value = obj.get("id")
        if isinstance(value, str):
            if value in self.redact_id:
                del obj["id"]
            else:
                if not value.startswith(prefix):
                    value = prefix + value
                    obj["id"] = value
                if value in roles:
                    roles[value].add(role)

    def _id_array(self, parent: dict, key: str, prefix: str, roles: dict, role: str) -> None:
        if isinstance(parent.get(key), dict):
            parent[key] = [parent[key]]
        array = parent.get(key)
        if isinstance(array, list):
            for entry in array:
                if isinstance(entry, dict):
                    self._id(entry, prefix, roles, role)

    def release(self, release: dict, line: int, issues) -> None:
        ocid = release.get("ocid")

        def issue(path, index, value, description):
            issues.writerow([line, "" if ocid is None else _csv_value(ocid), path, index, value, description])

        self._id_array(release, "parties", "", {}, "")
        roles: dict[str, set] = {}
        if self.party_roles and isinstance(release.get("parties"), list):
            for party in release["parties"]:
                if isinstance(party, dict) and isinstance(party.get("id"), str):
                    existing = party.get("roles")
                    roles[party["id"]] = (
                        {r for r in existing if isinstance(r, str)} if isinstance(existing, list) else set()
                    )

        self._id_object(release, "buyer", self.prefix_org, roles, "buyer")
        tender = release.get("tender")
        if isinstance(tender, dict):
            self._id_object(tender, "procuringEntity", self.prefix_org, roles, "procuringEntity")
            if self.split is not None and isinstance(tender.get("procurementMethodDetails"), str):
                tender["procurementMethodDetails"] = tender["procurementMethodDetails"].split(self.split)[0].rstrip()

        if self.move_auctions:
            if "auctions" in release and "bids" in release:
                log.warning("Can't move /auctions, because /bids is occupied.")
            elif isinstance(release.get("auctions"), list):
                details = []
                for auction in release["auctions"]:
                    if isinstance(auction, dict) and isinstance(auction.get("stages"), list):
                        for stage in auction["stages"]:
                            if isinstance(stage, dict) and isinstance(stage.get("bids"), list):
                                details.extend(stage.pop("bids"))
                release["bids"] = {"details": details}

        bids = release.get("bids")
        if isinstance(bids, dict) and isinstance(bids.get("details"), list):
            for j, bid in enumerate(bids["details"]):
                if not isinstance(bid, dict):
                    continue
                value = bid.get("value")
                if isinstance(value, dict):
                    amount = value.get("amount")
                    if _is_number(amount):
                        if float(amount) in self.redact_amount:
                            del value["amount"]
                        elif amount == 0:
                            issue("/bids/details[]/value/amount", j, "", "is zero")
                    if "currency" not in value:
                        if self.currency is not None:
                            value["currency"] = self.currency
                        else:
                            issue("/bids/details[]/value/currency", j, "", "not set")
                self._items(bid, "/bids/details[]/items[]/classification/scheme", j, issue, stringify=False)
                self._status(bid, self.bid_status_default, self.bid_codes, BID_STATUS, "/bids/details[]/status",
                             j, issue)
                self._id_array(bid, "tenderers", self.prefix_tenderer, roles, "tenderer")

        cancelled: dict[str, bool] = {}
        if self.by_contract and isinstance(release.get("contracts"), list):
            for contract in release["contracts"]:
                if not isinstance(contract, dict):
                    continue
                _stringify(contract, "awardID")
                award_id = contract.get("awardID")
                if isinstance(award_id, str):
                    is_cancelled = contract.get("status") == "cancelled"
                    cancelled[award_id] = cancelled.get(award_id, True) and is_cancelled

        if isinstance(release.get("awards"), list):
            for j, award in enumerate(release["awards"]):
                if not isinstance(award, dict):
                    continue
                _stringify(award, "id")
                self._items(award, "/awards[]/items[]/classification/scheme", j, issue, stringify=True)
                self._status(award, self.award_status_default, self.award_codes, AWARD_STATUS, "/awards[]/status",
                             j, issue)
                if self.by_contract and isinstance(award.get("id"), str) and cancelled.get(award["id"], False):
                    award["status"] = "cancelled"
                self._id_array(award, "suppliers", self.prefix_tenderer, roles, "supplier")

        if self.party_roles and isinstance(release.get("parties"), list):
            for party in release["parties"]:
                if isinstance(party, dict) and isinstance(party.get("id"), str):
                    found = roles[party["id"]]
                    if found:
                        party["roles"] = sorted(found)

    def _items(self, obj: dict, path: str, j: int, issue, *, stringify: bool) -> None:
        items = obj.get("items")
        if not isinstance(items, list):
            return
        for k, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            classification = item.get("classification")
            if isinstance(classification, dict):
                if stringify:
                    _stringify(classification, "id")
                if "scheme" not in classification:
                    if self.scheme is not None:
                        classification["scheme"] = self.scheme
                    else:
                        issue(path, f"{j}.{k}", "", "not set")

    def _status(self, obj: dict, default, codes: dict, valid: set, path: str, j: int, issue) -> None:
        if obj.get("status") is None and "status" not in obj:
            if default is not None:
                obj["status"] = default
            else:
                issue(path, j, "", "not set")
        status = obj.get("status")
        if isinstance(status, str):
            if status in codes:
                status = codes[status]
                obj["status"] = status
            if status not in valid:
                issue(path, j, status, "invalid")


def _csv_value(value) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def prepare(lines, settings: Settings, output: IO[str], errors: IO[str], warnings: IO[str] | None = None) -> int:
    """Prepare releases from an iterable of byte lines; write JSON lines to ``output`` and issues CSV to ``errors``.

    Returns the number of releases written. Invalid lines are skipped with a warning, as in Cardinal.
    """
    warnings = warnings or sys.stderr
    preparer = _Preparer(settings)
    writer = csv.writer(errors, lineterminator="\n")
    count = 0
    for number, value in json_lines(lines, warnings):
        if not isinstance(value, dict):
            warnings.write(f"WARN Line {number} is not a JSON object, skipping.\n")
            continue
        preparer.release(value, number, writer)
        output.write(orjson.dumps(value).decode() + "\n")
        count += 1
    return count


def prepare_file(path: str | Path, settings: Settings, output: str | Path, errors: str | Path) -> int:
    """Prepare a JSON-lines file into ``output`` (JSON lines) and ``errors`` (CSV); ``-`` means stdout."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")

    def open_out(target):
        return sys.stdout if str(target) == "-" else open(target, "w", encoding="utf-8", newline="")

    out, err = open_out(output), open_out(errors)
    try:
        with open(p, "rb") as fh:
            return prepare(fh, settings, out, err)
    finally:
        for f in (out, err):
            if f is not sys.stdout:
                f.close()
