"""The metadata YAML of a source adapter, validated by pydantic: who publishes the source, under which
licence, how its files are encoded, and (for tables) which column feeds which release field.

"Strict interpretation": every column of a table is either mapped in ``columns`` or listed in ``ignore``.
A column that is neither (a new or renamed column) is reported as a warning, never dropped silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nadzor.exceptions import SettingsError

__all__ = ["TARGET_FIELDS", "ColumnSpec", "Assertions", "AdapterMetadata", "load_metadata"]

# What a table column can feed; see docs/readme/sources.md for where each lands in the OCDS release.
TARGET_FIELDS: dict[str, str] = {
    "process_id": "the procurement's id in the source: ocid = ocid_prefix + this (rows sharing it are one process)",
    "title": "tender/title",
    "description": "tender/description",
    "buyer_name": "the buyer (parties, role buyer)",
    "buyer_id": "the buyer's registration number (matični broj, JIB) as identifier/id",
    "buyer_tax_id": "the buyer's tax id (PIB) as additionalIdentifiers",
    "municipality": "the buyer's municipality (address/locality); used as buyer name when there is none",
    "procurement_method": "tender/procurementMethod via a lookup; the raw text goes to procurementMethodDetails",
    "category": "tender/mainProcurementCategory via a lookup (goods, services, works)",
    "cpv": "the main CPV code (first 8 digits found) of the tender item",
    "tender_value": "tender/value/amount (estimated value)",
    "tender_deadline": "tender/tenderPeriod/endDate",
    "number_of_tenderers": "tender/numberOfTenderers and awards/0/numberOfTenderers (bids received)",
    "number_of_valid_tenders": "awards/0/numberOfValidTenders (acceptable bids; extension field)",
    "supplier_name": "awards/0/suppliers (parties, role supplier)",
    "supplier_id": "the supplier's registration or tax number as identifier/id",
    "supplier_country": "the supplier's address/countryName",
    "amount": "awards/0/value/amount and contracts/0/value/amount (contract value)",
    "currency": "the currency of every amount in the row (else the adapter's default currency)",
    "date": "awards/0/date (award or contract date)",
    "contract_date": "contracts/0/dateSigned (also the award date when there is no date column)",
    "release_date": "the release date (e.g. 'last changed'); else the award, contract or deadline date",
    "items": "tender/items: text such as '40 kamera; 2 servera' (a leading number is the quantity)",
    "facial_recognition": "tender/hasFacialRecognition (yes/no; extension field)",
    "source_document": "tender/documents/0 (a URL or the name of the document the row comes from)",
    "award_decision": "yes/no: does an award decision exist (yes makes the release an award release)",
    "lot": "awards/0/relatedLots and tender/lots",
    "note": "tender/note (free text kept with the process)",
}

TargetField = Literal[tuple(TARGET_FIELDS)]   # type: ignore[valid-type]


class ColumnSpec(BaseModel):
    """One source column: the release field it feeds and other spellings of its header."""

    model_config = ConfigDict(extra="forbid")

    field: TargetField
    aliases: list[str] = Field(default_factory=list)
    required: bool = False
    lookup: str | None = None


class Assertions(BaseModel):
    """Checks run after a table is read; a failed check is a warning on the source."""

    model_config = ConfigDict(extra="forbid")

    min_rows: int | None = None
    max_rows: int | None = None
    fill_rates: dict[TargetField, float] = Field(default_factory=dict)


class AdapterMetadata(BaseModel):
    """The metadata of one source adapter (one folder in nadzor/adapters/ or a mapping YAML file)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    kind: Literal["table", "ted"] = "table"
    country: str | None = None
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    format: str | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | None = None
    header_row: int | None = None
    header_rows: int | None = None
    decimal: Literal[",", "."] = ","
    currency: str | None = None
    ocid_prefix: str = "nadzor-table-"
    verified: bool = True
    warn_missing: bool = True           # warn when a mapped column is absent (off for hand-made tables)
    verification_note: str | None = None
    notes: str | None = None
    columns: dict[str, TargetField | ColumnSpec] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)
    lookups: dict[str, dict[str, str]] = Field(default_factory=dict)
    assertions: Assertions = Field(default_factory=Assertions)

    @field_validator("columns")
    @classmethod
    def _specs(cls, value):
        return {k: (ColumnSpec(field=v) if isinstance(v, str) else v) for k, v in value.items()}

    def column_specs(self) -> dict[str, ColumnSpec]:
        """Return the columns as ColumnSpec objects (the short form ``Header: field`` expanded)."""
        return {k: (ColumnSpec(field=v) if isinstance(v, str) else v) for k, v in self.columns.items()}


def load_metadata(path: Path | str) -> AdapterMetadata:
    """Load and validate an adapter metadata / mapping YAML file.

    Raises ``SettingsError`` with the offending key if the file is not valid.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"cannot read the mapping {path}: {exc}") from exc
    try:
        return AdapterMetadata.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid mapping {path}: {problems}") from exc
