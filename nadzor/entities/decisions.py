"""The user's decisions about entities: merges to confirm and records to split out, re-applied on every run.

The file (YAML; by default ``entities.decisions.yml`` in the folder of the store, or given with ``--decisions``)::

    merge:                      # these records are one organisation
      - names: ["Makina Security doo", "Alfa Bezbednost doo"]
        identifiers: ["RS-PIB:101010101"]
        reason: "Business registry extract of 2024-05-01 shows one company"
    split:                      # these records are their own organisation, never merged with others
      - names: ["Makina Security doo Nis"]
        reason: "Different registry number in the tender documents"

Names are compared after transliteration and folding (script and case do not matter, spelling does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from nadzor.entities.names import fold
from nadzor.exceptions import SettingsError

__all__ = ["Decision", "Decisions", "load_decisions", "default_decisions_path"]


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: list[str] = []
    identifiers: list[str] = []
    reason: str


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merge: list[_Group] = []
    split: list[_Group] = []


@dataclass
class Decision:
    """One merge or split: the records it names (folded names, SCHEME:ID identifiers) and the user's reason."""

    names: frozenset[str]
    identifiers: frozenset[str]
    reason: str

    def matches(self, folded_name: str, identifiers: frozenset[str]) -> bool:
        """Return True if a record (its folded name and identifiers) is named by this decision."""
        return folded_name in self.names or bool(self.identifiers & identifiers)


@dataclass
class Decisions:
    """All decisions of one file."""

    merges: list[Decision] = field(default_factory=list)
    splits: list[Decision] = field(default_factory=list)
    path: Path | None = None

    def pin_for(self, folded_name: str, identifiers: frozenset[str]) -> set[int]:
        """Return the split groups a record is pinned to (empty: free to merge by the rules)."""
        return {i for i, d in enumerate(self.splits) if d.matches(folded_name, identifiers)}


def _decision(group: _Group) -> Decision:
    from nadzor.entities.resolve import normalise_identifier

    idents = set()
    for ident in group.identifiers:
        scheme, sep, value = ident.partition(":")
        norm = normalise_identifier(scheme if sep else None, value if sep else scheme)
        if norm:
            idents.add(norm)
    return Decision(names=frozenset(fold(n) for n in group.names), identifiers=frozenset(idents), reason=group.reason)


def default_decisions_path(db_path: Path | None) -> Path | None:
    """Return where the decisions file of a store lives by default (beside the database)."""
    if db_path is None:
        return None
    return db_path.with_name("entities.decisions.yml")


def load_decisions(path: Path | None) -> Decisions:
    """Read a decisions file; a missing file means no decisions. Raise SettingsError if it is invalid."""
    if path is None or not Path(path).exists():
        return Decisions(path=path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        parsed = _File.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise SettingsError(f"invalid entity decisions file {path}: {exc}") from exc
    return Decisions(merges=[_decision(g) for g in parsed.merge], splits=[_decision(g) for g in parsed.split],
                     path=Path(path))
