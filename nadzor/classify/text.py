"""Normalise text for matching: the shared fold (``nadzor.text``), punctuation -> space, spans kept.

The normalised text can differ in length from the original (``љ`` -> ``lj``, ``đ`` -> ``dj``), so
``Normalized.to_original`` maps a span of the normalised text back to the original text, which is what
the user sees and what evidence stores.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from nadzor.text import FOLD_TABLE, TABLE_RANGES

__all__ = ["Normalized", "normalize", "normalize_text", "TABLE"]


def _build_table() -> dict[int, str]:
    """The shared fold (``nadzor.text``), with every character that is not a letter or digit made a space."""
    table: dict[int, str] = {}
    for r in TABLE_RANGES:
        for cp in r:
            ch = chr(cp)
            out = FOLD_TABLE.get(cp, ch)
            if out and not all(c.isalnum() for c in out):
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
