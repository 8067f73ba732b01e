"""Names a package exports but imports only when first used (PEP 562), to keep the CLI's start cheap."""

from __future__ import annotations

import importlib

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, names: dict[str, str]):
    """Return a module ``__getattr__`` for ``package`` that imports each of ``names`` (name -> module) on first use."""

    def __getattr__(name: str):
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
