"""The built-in indicators, registered through the same ``register_indicators`` hook a plugin uses."""

from __future__ import annotations

from nadzor.hookspecs import hookimpl

__all__ = ["register_indicators", "register_analysis_steps"]


@hookimpl
def register_indicators():
    # Imported here, not with the plugin: the definitions' model (pydantic) costs about 0.2 s at every CLI start.
    from nadzor.indicators.registry import builtin_definitions

    return builtin_definitions()


@hookimpl
def register_analysis_steps():
    from nadzor.indicators.flags import FlagsStep

    return [FlagsStep()]
