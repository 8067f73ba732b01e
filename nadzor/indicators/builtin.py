"""The built-in indicators, registered through the same ``register_indicators`` hook a plugin uses."""

from __future__ import annotations

from nadzor.hookspecs import hookimpl
from nadzor.indicators.registry import builtin_definitions

__all__ = ["register_indicators", "register_analysis_steps"]


@hookimpl
def register_indicators():
    return builtin_definitions()


@hookimpl
def register_analysis_steps():
    from nadzor.indicators.flags import FlagsStep

    return [FlagsStep()]
