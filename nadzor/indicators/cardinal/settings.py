"""Read Cardinal's settings file (INI) as Cardinal does: the same sections, keys, defaults and errors.

Dotted section names nest (``[R003.procurement_method_details]``, ``[codelists.bid_status]``); ``|`` separates
list values; comments start with ``;`` or ``#``. An unknown section or key is an error that names it, as in
Cardinal, so a typo never silently disables a setting.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from nadzor.exceptions import SettingsError

__all__ = ["Settings", "load_settings", "parse_settings", "INDICATOR_CODES", "pipe_list"]

INDICATOR_CODES = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")

# Allowed keys per section, with their type: str, int (natural number), float, bool.
_TOP = {"currency": str, "no_price_comparison_procurement_methods": str, "price_comparison_procurement_methods": str}
_SECTIONS: dict[str, dict[str, type]] = {
    "output": {"info_currency_mismatches": bool},
    "defaults": {
        "currency": str,
        "item_classification_scheme": str,
        "bid_status": str,
        "award_status": str,
        "party_roles": bool,
    },
    "redactions": {"amount": str, "organization_id": str},
    "corrections": {"award_status_by_contract_status": bool},
    "modifications": {
        "move_auctions": bool,
        "prefix_buyer_or_procuring_entity_id": str,
        "prefix_tenderer_or_supplier_id": str,
        "split_procurement_method_details": str,
    },
    "exclusions": {"procurement_method_details": str},
    "R003": {"threshold": int, "procurement_methods": str},
    "R018": {"procurement_methods": str},
    "R024": {"threshold": float},
    "R025": {"percentile": int, "threshold": float},
    "R028": {},
    "R030": {},
    "R035": {"threshold": int},
    "R036": {},
    "R038": {"threshold": float, "minimum_submitted_bids": int, "minimum_contracting_processes": int},
    "R048": {"digits": int, "threshold": int, "minimum_contracting_processes": int},
    "R058": {"threshold": float},
}
# Sections whose keys are free (a mapping), with the type of their values.
_MAPPINGS = {
    "R003.procurement_method_details": int,
    "codelists.bid_status": str,
    "codelists.award_status": str,
}
# Extensions beyond Cardinal (default off). They live in their own section so Cardinal files stay valid.
_SECTIONS["nadzor"] = {"lots": bool, "related_bids": bool, "party_identifiers": bool}


def pipe_list(value: str | None) -> list[str]:
    """Split a ``|``-separated setting like Rust's ``split_terminator('|')`` (a trailing ``|`` adds nothing)."""
    if not value:
        return []
    parts = value.split("|")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


@dataclass
class Settings:
    """Parsed settings: ``top`` keys, ``sections`` (name -> key -> value) and free ``mappings``."""

    top: dict = field(default_factory=dict)
    sections: dict[str, dict] = field(default_factory=dict)
    mappings: dict[str, dict] = field(default_factory=dict)

    def enabled(self) -> list[str]:
        """Return the indicator codes whose section is present, in Cardinal's order."""
        return [c for c in INDICATOR_CODES if c in self.sections]

    def get(self, section: str, key: str, default=None):
        """Return one value of a section, or ``default`` when the key is unset."""
        value = self.sections.get(section, {}).get(key)
        return default if value is None else value

    def option(self, key: str) -> bool:
        """Return a nadzor extension switch from ``[nadzor]`` (all default off)."""
        return bool(self.sections.get("nadzor", {}).get(key, False))


def _convert(path: str, raw: str, kind: type):
    text = raw.strip()
    try:
        if kind is bool:
            low = text.lower()
            if low in {"true", "1", "yes", "on"}:
                return True
            if low in {"false", "0", "no", "off"}:
                return False
            raise ValueError(text)
        if kind is int:
            value = int(text)
            if value < 0:
                raise ValueError(text)
            return value
        if kind is float:
            return float(text)
    except ValueError:
        name = {bool: "a boolean", int: "a natural number", float: "a number"}[kind]
        raise SettingsError(f"{path}: invalid value {text!r}, expected {name}") from None
    return text


def parse_settings(text: str, *, source: str = "settings") -> Settings:
    """Parse INI text into Settings; raise SettingsError naming any unknown section or key."""
    parser = configparser.RawConfigParser(
        comment_prefixes=(";", "#"), inline_comment_prefixes=None, strict=False, default_section="\0none",
        interpolation=None,
    )
    parser.optionxform = str  # keys are case-sensitive, as codelist mappings need
    try:
        parser.read_string("[\0top]\n" + text, source=source)
    except configparser.Error as exc:
        raise SettingsError(f"{source}: cannot read the settings file: {exc}") from None
    settings = Settings()
    for section in parser.sections():
        items = parser.items(section)
        if section == "\0top":
            for key, raw in items:
                if key not in _TOP:
                    raise SettingsError(f"{source}: unknown field `{key}`, expected one of {_expected(_TOP)}")
                settings.top[key] = _convert(key, raw, _TOP[key])
            continue
        if section in _MAPPINGS:
            kind = _MAPPINGS[section]
            settings.mappings[section] = {k: _convert(f"{section}.{k}", v, kind) for k, v in items}
            continue
        if section not in _SECTIONS:
            known = sorted(set(_SECTIONS) | set(_MAPPINGS))
            raise SettingsError(f"{source}: unknown section `[{section}]`, expected one of {', '.join(known)}")
        allowed = _SECTIONS[section]
        values = settings.sections.setdefault(section, {})
        for key, raw in items:
            if key not in allowed:
                raise SettingsError(
                    f"{source}: {section}: unknown field `{key}`"
                    + (f", expected one of {_expected(allowed)}" if allowed else ", this section takes no keys")
                )
            values[key] = _convert(f"{section}.{key}", raw, allowed[key])
    # A [R003.procurement_method_details] section alone also enables R003, as the nested table does in Cardinal.
    if "R003.procurement_method_details" in settings.mappings:
        settings.sections.setdefault("R003", {})
    return settings


def _expected(allowed) -> str:
    return ", ".join(f"`{k}`" for k in allowed)


def load_settings(path: str | Path | None) -> Settings:
    """Read a settings file; ``None`` gives empty settings (no indicator enabled)."""
    if path is None:
        return Settings()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read the settings file {p}: {exc.strerror}") from None
    return parse_settings(text, source=str(p))
