"""Register nadzor's entity resolution and its own indicators with the pipeline (``nadzor analyze``)."""

from __future__ import annotations

from dataclasses import dataclass

from nadzor.hookspecs import hookimpl

__all__ = ["EntitiesStep", "FindingsStep", "register_analysis_steps", "register_indicators"]


@dataclass
class EntitiesStep:
    """Resolve organisations into entities (before anything that counts buyers or suppliers)."""

    name: str = "entities"
    order: int = 5

    def run(self, store) -> dict:
        from nadzor.entities.build import build_entities

        return build_entities(store)


@dataclass
class FindingsStep:
    """Compute nadzor's indicators NZ01... (after classification)."""

    name: str = "nadzor-findings"
    order: int = 30

    def run(self, store) -> dict:
        from nadzor.analysis.findings import run_findings

        return run_findings(store)


@hookimpl
def register_analysis_steps():
    return [EntitiesStep(), FindingsStep()]


@hookimpl
def register_indicators():
    from nadzor.analysis.common import definitions
    from nadzor.analysis.findings import INDICATORS

    return [d for code, d in definitions().items() if code in INDICATORS]
