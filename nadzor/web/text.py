"""Text normalisation for matching: Serbian Cyrillic to Latin (cyrtranslit), diacritics folded, lower case.

Both sides of a comparison go through :func:`normalise`, so "Камера", "Kamera" and "kamerа" (mixed script) all
match. The original text is always kept for display.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import cyrtranslit

__all__ = ["normalise", "tokens"]

# Letters that NFKD does not decompose into base + combining mark.
_SPECIAL = str.maketrans({"đ": "dj", "Đ": "dj", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "æ": "ae"})
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise(text: str | None) -> str:
    """Return ``text`` in Latin script, lower case, without diacritics and with single spaces ('' for None)."""
    if not text:
        return ""
    latin = cyrtranslit.to_latin(text, "sr")
    latin = latin.translate(_SPECIAL)
    folded = "".join(c for c in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(c))
    return _SPACES.sub(" ", folded.lower()).strip()


def tokens(text: str | None) -> list[str]:
    """Split normalised text into words (letters and digits)."""
    return re.findall(r"[a-z0-9]+", normalise(text))
