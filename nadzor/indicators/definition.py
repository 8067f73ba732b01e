"""The declarative shape every indicator has (Cardinal's R-codes and nadzor's own NZ-codes alike).

Each indicator is documented under the same headings (after cardinal-rs): title, why it is a red flag,
methodology, parameters, exclusions, output, sources. Its docs page is generated from this definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Parameter", "IndicatorDefinition", "Finding", "SUBJECT_TYPES"]

SUBJECT_TYPES = ("process", "buyer", "procuring_entity", "tenderer", "supplier")


class Parameter(BaseModel):
    """One setting of an indicator, with its default."""

    model_config = ConfigDict(extra="forbid")

    name: str
    default: Any = None
    description: str


class IndicatorDefinition(BaseModel):
    """An indicator as data: loaded from YAML and validated."""

    model_config = ConfigDict(extra="forbid")

    code: str
    title: str
    version: str
    family: Literal["cardinal", "nadzor"]
    subject_types: list[Literal["process", "buyer", "procuring_entity", "tenderer", "supplier"]]
    why: str
    methodology: str
    parameters: list[Parameter] = []
    exclusions: str
    output: str
    sources: list[str]
    variants: str | None = None  # documented deviations or extensions beyond the reference


@dataclass
class Finding:
    """One result of one indicator on one subject. A risk indicator, not proof."""

    code: str
    indicator_version: str
    subject_type: str
    subject_id: str
    value: float | None
    explanation: str
    evidence: list[dict] = field(default_factory=list)
    ocid: str | None = None
    details: dict = field(default_factory=dict)
