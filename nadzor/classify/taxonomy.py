"""The surveillance-technology taxonomy and its rules, declared as YAML and validated here.

Three kinds of rule file are accepted (a country pack may register any of them through the
``register_classifier_rules`` hook):

* a capability file (``capabilities/<id>.yml``): ``capability`` (id, title, description, risk_tier) and ``rules``;
* a rule set (``rules/*.yml``): ``rules`` only, each rule naming the capability it signals (traps and CPV labels);
* a vendor file: ``vendors`` (manufacturers and product names) and/or ``restricted_vendors`` (legal lists).

Rule terms: words separated by spaces; a word ending in ``*`` is a stem (matches any ending, for the seven
Serbian cases); other words must end at a word boundary. Spaces and hyphens between words are optional in
the text (``video nadzor`` matches ``videonadzor`` and ``video-nadzor``). Terms are normalised exactly like
the text (Cyrillic -> Latin, diacritics folded), so they can be written in either script.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nadzor.exceptions import PluginError

__all__ = [
    "CAPABILITY_IDS",
    "Capability",
    "Rule",
    "Vendor",
    "RestrictedListing",
    "RuleFile",
    "Taxonomy",
    "load_taxonomy",
    "builtin_rule_paths",
]

CAPABILITY_IDS = (
    "video_surveillance",
    "facial_recognition",
    "plate_recognition",
    "video_analytics",
    "traffic_enforcement",
    "thermal_imaging",
    "drone",
    "body_camera",
    "surveillance_platform",
    "biometrics",
)

RuleKind = Literal["strong", "weak", "context", "negative", "vendor"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Capability(_Model):
    """One capability of the taxonomy (the ids are fixed; see CAPABILITY_IDS)."""

    id: str
    title: str
    description: str
    risk_tier: Literal["base", "elevated", "high"]
    why: str = ""

    @field_validator("id")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in CAPABILITY_IDS:
            raise ValueError(f"unknown capability id {v!r}; the ids are fixed: {', '.join(CAPABILITY_IDS)}")
        return v


class Rule(_Model):
    """One signal: keyword terms and/or CPV codes of one kind, for one capability.

    kind: ``strong`` makes a text a surveillance purchase on its own; ``weak`` does too unless the same text
    carries a text-wide negative (e.g. "kamera" next to "gama" or "skupštinska sala"); ``context`` only adds
    evidence and capabilities to a text that is already positive; ``negative`` vetoes: with scope ``span``
    it removes positive matches it overlaps ("stručni nadzor", "kamerni"), with scope ``text`` it removes
    the weak and context matches of the whole text; ``vendor`` only names a vendor.
    """

    id: str
    kind: RuleKind
    capability: str | None = None
    scope: Literal["span", "text"] = "span"
    lang: list[str] = []
    terms: list[str] = []
    cpv: list[str] = []
    vendor: str | None = None
    yields_to: list[str] = []  # drop this (weak) hit when the same text has a strong hit of one of these capabilities
    source: str = ""
    note: str = ""

    @field_validator("cpv")
    @classmethod
    def _cpv8(cls, v: list[str]) -> list[str]:
        out = []
        for code in v:
            digits = "".join(c for c in str(code) if c.isdigit())[:8]
            if len(digits) != 8:
                raise ValueError(f"CPV code {code!r} does not have 8 digits")
            out.append(digits)
        return out

    @field_validator("capability")
    @classmethod
    def _cap(cls, v: str | None) -> str | None:
        if v is not None and v not in CAPABILITY_IDS:
            raise ValueError(f"unknown capability {v!r}")
        return v


class Vendor(_Model):
    """A manufacturer with the names and products that identify it in a specification."""

    id: str
    name: str
    country: str | None = None
    rules: list[Rule] = Field(default_factory=list)


class RestrictedListing(_Model):
    """One legal measure naming a vendor (a fact about the vendor, not about the buyer)."""

    vendor: str
    list: str
    date: str
    source: str
    scope: str = ""


class RuleFile(_Model):
    """The content of one rule YAML file."""

    capability: Capability | None = None
    rules: list[Rule] = Field(default_factory=list)
    vendors: list[Vendor] = Field(default_factory=list)
    restricted_vendors: list[RestrictedListing] = Field(default_factory=list)
    source: str = ""


class Taxonomy:
    """All capabilities, rules, vendors and restricted listings loaded from rule files."""

    def __init__(self, files: list[tuple[Path, RuleFile]]):
        self.capabilities: dict[str, Capability] = {}
        self.rules: list[Rule] = []
        self.vendors: dict[str, Vendor] = {}
        self.restricted: list[RestrictedListing] = []
        digest = hashlib.sha1()
        seen: dict[str, Path] = {}
        for path, rf in files:
            digest.update(path.read_bytes())
            file_rules = list(rf.rules)
            if rf.capability is not None:
                if rf.capability.id in self.capabilities:
                    raise PluginError(f"capability {rf.capability.id} defined twice (second time in {path})")
                self.capabilities[rf.capability.id] = rf.capability
                for r in file_rules:
                    if r.capability is None and r.kind not in ("negative", "vendor"):
                        r.capability = rf.capability.id
            for v in rf.vendors:
                self.vendors[v.id] = v
                for r in v.rules:
                    r.vendor = v.id
                    file_rules.append(r)
            for r in file_rules:
                if r.id in seen:
                    raise PluginError(f"rule id {r.id} defined twice ({seen[r.id]} and {path})")
                seen[r.id] = path
                if r.kind in ("strong", "weak", "context") and r.capability is None:
                    raise PluginError(f"rule {r.id} in {path} is {r.kind} but names no capability")
                self.rules.append(r)
            self.restricted.extend(rf.restricted_vendors)
        missing = [c for c in CAPABILITY_IDS if c not in self.capabilities]
        if missing:
            raise PluginError(f"capabilities without a definition file: {', '.join(missing)}")
        self.version = digest.hexdigest()[:10]

    def restricted_for(self, vendor_id: str) -> list[RestrictedListing]:
        """Return the legal listings that name a vendor."""
        return [r for r in self.restricted if r.vendor == vendor_id]


def builtin_rule_paths() -> list[Path]:
    """Return the rule files shipped with nadzor (capabilities, traps, CPV labels, vendors)."""
    here = Path(__file__).parent
    return sorted(here.joinpath("capabilities").glob("*.yml")) + sorted(here.joinpath("rules").glob("*.yml"))


def _load_file(path: Path) -> RuleFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return RuleFile.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PluginError(f"invalid classifier rule file {path}: {exc}") from exc


def load_taxonomy(paths: list[Path] | None = None) -> Taxonomy:
    """Load the taxonomy from rule files (default: everything registered through ``register_classifier_rules``)."""
    if paths is None:
        from nadzor.plugins import collect

        paths = [Path(p) for p in collect("register_classifier_rules")]
    return Taxonomy([(Path(p), _load_file(Path(p))) for p in paths])
