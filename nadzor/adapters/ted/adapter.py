"""The TED adapter's parser: one notice file -> one OCDS release (see nadzor.ingest.ted)."""

from __future__ import annotations

from nadzor.ingest.ted import convert_ted

__all__ = ["convert"]


def convert(path, meta, *, data=None, sheet=None):
    """Convert one TED-XML or eForms notice; ``meta`` and ``sheet`` are unused."""
    return convert_ted(path, data=data)
