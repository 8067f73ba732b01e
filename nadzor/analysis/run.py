"""Run every registered analysis step on the store, in order (entities, classification, flags, findings...)."""

from __future__ import annotations

from collections.abc import Callable

from nadzor.exceptions import PluginError
from nadzor.plugins import collect

__all__ = ["analysis_steps", "analyze"]


def analysis_steps() -> list:
    """Return the registered analysis steps sorted by ``order`` (then name); names must be unique."""
    steps = collect("register_analysis_steps")
    names = [s.name for s in steps]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise PluginError(f"two analysis steps share a name: {', '.join(sorted(dupes))}")
    return sorted(steps, key=lambda s: (s.order, s.name))


def analyze(store, *, only: list[str] | None = None, on_step: Callable[[str], None] | None = None) -> dict:
    """Run the steps (all, or those named in ``only``) and return {step name: its summary}."""
    results = {}
    steps = analysis_steps()
    if only:
        unknown = set(only) - {s.name for s in steps}
        if unknown:
            known = ", ".join(s.name for s in steps) or "none registered"
            raise PluginError(f"unknown analysis step(s): {', '.join(sorted(unknown))} (known: {known})")
        steps = [s for s in steps if s.name in only]
    for step in steps:
        if on_step:
            on_step(step.name)
        results[step.name] = step.run(store)
    return results
