"""Normalise text for matching: Cyrillic -> Latin, diacritics folded, lower case, punctuation -> space.

The normalised text can differ in length from the original (``љ`` -> ``lj``, ``đ`` -> ``dj``), so
``Normalized.to_original`` maps a span of the normalised text back to the original text, which is what
the user sees and what evidence stores.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import cyrtranslit

__all__ = ["Normalized", "normalize", "normalize_text", "TABLE"]

# Letters cyrtranslit maps differently per language, or that the Serbian table lacks; Macedonian and
# Bulgarian are needed for Macedonian tenders and the Bulgarian CPV labels.
_SPECIAL = {
    "đ": "dj", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i", "þ": "th",
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "џ": "dz", "ђ": "dj", "ћ": "c", "љ": "lj", "њ": "nj", "ј": "j",
    "щ": "sht", "ъ": "a", "ь": "", "ю": "yu", "я": "ya", "й": "y", "ы": "y", "э": "e", "ё": "e",
    "є": "ye", "ї": "yi", "і": "i", "ґ": "g", "х": "h", "ц": "c", "ч": "c", "ш": "s", "ж": "z",
}


def _fold_latin(s: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(c):
            continue
        out.append(_SPECIAL.get(c, c))
    return "".join(out)


def _build_table() -> dict[int, str]:
    sr = cyrtranslit.mapping.TRANSLIT_DICT["sr"]["tolatin"]
    table: dict[int, str] = {}
    ranges = [range(0x0000, 0x0530), range(0x1E00, 0x1F00), range(0x2000, 0x2070), range(0x3000, 0x3004)]
    for r in ranges:
        for cp in r:
            ch = chr(cp)
            low = ch.lower()
            if len(low) != 1:
                low = ch
            if low in _SPECIAL:
                out = _SPECIAL[low]
            elif 0x400 <= cp < 0x530:
                out = _fold_latin(sr.get(low, low))
            else:
                out = _fold_latin(low)
            if not out:
                out = ""
            elif not all(c.isalnum() for c in out):
                out = " "
            if out != ch:
                table[cp] = out
    return table


TABLE = _build_table()
# Characters whose normalised form is not exactly one character: only texts containing one need an offset map.
_NON_UNIT = "".join(chr(cp) for cp, out in TABLE.items() if len(out) != 1)
_NON_UNIT_RE = re.compile("[" + re.escape(_NON_UNIT) + "]")
# ASCII fast path: bytes.translate is ten times faster than str.translate with a dict.
_ASCII_TABLE = bytes(ord(TABLE.get(i, chr(i))) if len(TABLE.get(i, chr(i))) == 1 else 32 for i in range(128)) + bytes(
    range(128, 256)
)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_RUN_CACHE: dict[str, str] = {}


def _run(m: re.Match) -> str:
    run = m.group()
    out = _RUN_CACHE.get(run)
    if out is None:
        out = run.translate(TABLE)
        if len(_RUN_CACHE) < 100_000:
            _RUN_CACHE[run] = out
    return out


def _translate(text: str) -> str:
    if not text.isascii():
        if len(text.encode("utf-8")) - len(text) > 8:  # mostly non-ASCII (Cyrillic): one dict translate is faster
            return text.translate(TABLE)
        text = _NON_ASCII_RUN.sub(_run, text)
        if not text.isascii():  # characters outside the table (e.g. CJK) stay as they are
            return text.translate(TABLE)
    return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")


class Normalized(NamedTuple):
    """A text and its normalised form; ``offsets`` is None when every character maps to exactly one."""

    original: str
    text: str
    offsets: bool | None  # True when a span must be mapped (computed lazily, most texts never need it)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if self.offsets is None:
            return start, end
        o = _offsets(self.original)
        s = o[start]
        e = o[end - 1] + 1 if end > start else s
        return s, e


@lru_cache(maxsize=4096)
def _offsets(original: str) -> tuple[int, ...]:
    """offsets[i] = index in ``original`` of normalised character i (plus one end entry)."""
    offsets: list[int] = []
    prev = 0
    for m in _NON_UNIT_RE.finditer(original):  # only the characters that do not map to exactly one
        i = m.start()
        offsets.extend(range(prev, i))
        offsets.extend([i] * len(TABLE[ord(original[i])]))
        prev = i + 1
    offsets.extend(range(prev, len(original) + 1))
    return tuple(offsets)


def normalize_text(text: str) -> str:
    """Return only the normalised string (for rule terms and keys)."""
    return _translate(text)


_LONG = 4000  # longer texts (document bodies) are not cached: they rarely repeat and would fill memory


def normalize(text: str) -> Normalized:
    """Normalise ``text`` (short texts are cached: procurement data repeats the same item texts many times)."""
    if len(text) > _LONG:
        return _normalize(text)
    return _normalize_cached(text)


def _normalize(text: str) -> Normalized:
    norm = _translate(text)
    return Normalized(text, norm, None if text.isascii() or _NON_UNIT_RE.search(text) is None else True)


_normalize_cached = lru_cache(maxsize=65536)(_normalize)
normalize.cache_clear = _normalize_cached.cache_clear  # type: ignore[attr-defined]
