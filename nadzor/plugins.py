"""The plugin manager: built-ins are listed here and registered exactly like third-party plugins."""

from __future__ import annotations

import importlib
from functools import lru_cache

import pluggy

from nadzor import hookspecs

__all__ = ["DEFAULT_PLUGINS", "get_plugin_manager", "collect"]

# Built-in plugins, registered through the same hooks a third-party pack uses.
DEFAULT_PLUGINS = [
    "nadzor.cli.builtin",
    "nadzor.adapters.builtin",
    "nadzor.classify.builtin",
    "nadzor.analysis.plugin",
    "nadzor.web.prepare",
    "nadzor.publish.builtin",
    "nadzor.indicators.builtin",
]


@lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager with built-ins and installed entry points loaded."""
    pm = pluggy.PluginManager("nadzor")
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a built-in whose optional dependency is missing
            if exc.name and exc.name.startswith("nadzor"):
                raise
            continue
        pm.register(module, name)
    pm.load_setuptools_entrypoints("nadzor")
    return pm


def collect(hook_name: str) -> list:
    """Call a ``register_*`` hook and flatten the lists every plugin returned."""
    hook = getattr(get_plugin_manager().hook, hook_name)
    out = []
    for result in hook():
        if result:
            out.extend(result)
    return out
