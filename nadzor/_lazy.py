"""Names a package exports but imports only when first used (PEP 562), to keep the CLI's start cheap."""

from __future__ import annotations

import importlib

__all__ = ["lazy_attributes", "LazyConsole"]


def lazy_attributes(package: str, names: dict[str, str]):
    """Return a module ``__getattr__`` for ``package`` that imports each of ``names`` (name -> module) on first use."""

    def __getattr__(name: str):
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


class LazyConsole:
    """A Rich ``Console`` made on first use: importing rich.console costs about 20 ms at every start, also for
    commands that never print through it. Attributes are forwarded; ``real`` is the Console itself (for APIs that
    take one, such as ``Progress(console=...)``)."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._console = None

    @property
    def real(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._kwargs)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.real, name)
