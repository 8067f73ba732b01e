"""Search keys for the web pages: the shared fold (``nadzor.text``), cached, and its words.

Both sides of a comparison go through :func:`normalise`, so "Камера", "Kamera" and "kamerа" (mixed script) all
match. The original text is always kept for display.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nadzor.text import fold

__all__ = ["normalise", "tokens"]

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def normalise(text: str | None) -> str:
    """Return ``text`` in Latin script, lower case, without diacritics and with single spaces ('' for None)."""
    return fold(text)


def tokens(text: str | None) -> list[str]:
    """Split normalised text into words (letters and digits)."""
    return _WORD.findall(normalise(text))
