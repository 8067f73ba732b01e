"""Built-in CLI commands: every module in ``nadzor.cli`` with a ``register(app)`` function is one command
(or a small group). Adding a command adds a file; no list to edit."""

from __future__ import annotations

import importlib
import pkgutil

from nadzor.hookspecs import hookimpl

__all__ = ["register_commands"]


@hookimpl
def register_commands(app):
    import nadzor.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in {"builtin", "output"}:
            continue
        module = importlib.import_module(f"nadzor.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
