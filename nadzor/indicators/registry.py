"""Indicator definitions: loaded from YAML, validated, and collected through the ``register_indicators`` hook."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from nadzor.exceptions import PluginError
from nadzor.indicators.definition import IndicatorDefinition

__all__ = ["load_definition", "builtin_definitions", "registered_indicators", "CARDINAL_DIR"]

CARDINAL_DIR = Path(__file__).parent / "cardinal"


def load_definition(path: Path) -> IndicatorDefinition:
    """Load and validate one indicator YAML file; raise PluginError naming the file if it is invalid."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        definition = IndicatorDefinition.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise PluginError(f"invalid indicator definition {path.name}: {exc}") from None
    if definition.code != path.stem:
        raise PluginError(f"indicator definition {path.name} has code {definition.code}, expected {path.stem}")
    return definition


def builtin_definitions() -> list[IndicatorDefinition]:
    """Return nadzor's built-in definitions (Cardinal's 11 indicators), sorted by code."""
    return [load_definition(p) for p in sorted(CARDINAL_DIR.glob("R*.yml"))]


def registered_indicators() -> dict[str, IndicatorDefinition]:
    """Return every registered indicator (built-ins and plugins) by code; raise PluginError on a duplicate code."""
    from nadzor.plugins import collect

    out: dict[str, IndicatorDefinition] = {}
    for definition in collect("register_indicators"):
        if definition.code in out:
            raise PluginError(f"indicator {definition.code} is registered twice")
        out[definition.code] = definition
    return out
