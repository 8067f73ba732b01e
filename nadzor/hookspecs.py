"""Plugin hooks. Built-in features register through these same hooks (see nadzor.plugins.DEFAULT_PLUGINS).

A third-party pack is a package with an entry point in the ``nadzor`` group whose module implements some of
these hooks with ``@nadzor.hookspecs.hookimpl``.
"""

import pluggy

__all__ = ["hookspec", "hookimpl"]

hookspec = pluggy.HookspecMarker("nadzor")
hookimpl = pluggy.HookimplMarker("nadzor")


@hookspec
def register_commands(app):
    """Add Typer commands to the CLI ``app``."""


@hookspec
def register_adapters():
    """Return a list of source adapters (objects with ``name``, ``metadata`` and ``ingest``)."""


@hookspec
def register_indicators():
    """Return a list of indicator definitions."""


@hookspec
def register_classifier_rules():
    """Return a list of paths to classifier rule YAML files (one capability or rule set per file)."""


@hookspec
def register_exporters():
    """Return a list of exporters (objects with ``format`` and ``export``)."""


@hookspec
def register_analysis_steps():
    """Return a list of analysis steps run by ``nadzor analyze``, each with ``name``, ``order`` and ``run(store)``."""
