"""Fold text for matching: Serbian Cyrillic to Latin, diacritics folded, lower case, single spaces.

One fold for the whole package. Both sides of a comparison go through it, so "Камера", "Kamera", "KAMERA" and
"kamerа" (mixed script) are equal after folding; the original text is always kept for display. Letters that
Unicode does not decompose are spelt out the Serbian way (``đ`` -> ``dj``, ``ß`` -> ``ss``, ``ł`` -> ``l``);
Macedonian, Bulgarian, Russian and Ukrainian Cyrillic are transliterated too.

The specialised normalisers extend it: ``nadzor.classify.text`` maps spans of the folded text back to the
original, ``nadzor.entities.names`` strips legal forms and seat cities, ``nadzor.web.text`` builds search keys,
``nadzor.ingest.values`` matches column headers and yes/no words.
"""

from __future__ import annotations

import unicodedata

import cyrtranslit

__all__ = ["fold", "fold_char", "FOLD_TABLE", "TABLE_RANGES"]

# Letters cyrtranslit maps differently per language, or that the Serbian table lacks, and Latin letters NFKD does
# not decompose; Macedonian and Bulgarian are needed for Macedonian tenders and the Bulgarian CPV labels.
_SPECIAL = {
    "đ": "dj", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i", "þ": "th",
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "џ": "dz", "ђ": "dj", "ћ": "c", "љ": "lj", "њ": "nj", "ј": "j",
    "щ": "sht", "ъ": "a", "ь": "", "ю": "yu", "я": "ya", "й": "y", "ы": "y", "э": "e", "ё": "e",
    "є": "ye", "ї": "yi", "і": "i", "ґ": "g", "х": "h", "ц": "c", "ч": "c", "ш": "s", "ж": "z",
}
_SERBIAN = cyrtranslit.mapping.TRANSLIT_DICT["sr"]["tolatin"]

#: The code point ranges ``FOLD_TABLE`` covers: Latin, Greek, Cyrillic, Latin Extended Additional, punctuation.
TABLE_RANGES = (range(0x0000, 0x0530), range(0x1E00, 0x1F00), range(0x2000, 0x2070), range(0x3000, 0x3004))


def _strip_marks(s: str) -> str:
    out = []
    for c in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(c):
            continue
        out.append(_SPECIAL.get(c, c))
    return "".join(out)


def fold_char(ch: str) -> str:
    """Return the folded form of one character: lower case, Latin script, no diacritics ('' for a soft sign).

    Punctuation is left as it is (its compatibility form: "…" is "..."); callers decide what it means to them.
    """
    low = ch.lower()
    if len(low) != 1:  # "İ".lower() is two characters; fold the capital instead
        low = ch
    if low in _SPECIAL:
        return _SPECIAL[low]
    if 0x400 <= ord(ch) < 0x530:
        return _strip_marks(_SERBIAN.get(low, low))
    return _strip_marks(low)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for r in TABLE_RANGES:
        for cp in r:
            out = fold_char(chr(cp))
            if out != chr(cp):
                table[cp] = out
    return table


#: ``str.translate`` table of every character in ``TABLE_RANGES`` whose folded form differs from it.
FOLD_TABLE = _build_table()


def fold(text: str | None) -> str:
    """Return ``text`` in Latin script, lower case, without diacritics and with single spaces ('' for None).

    Punctuation is kept; characters outside Latin, Greek and Cyrillic lose their marks (compatibility forms:
    "ﬁ" -> "fi") and are otherwise kept.
    """
    if not text:
        return ""
    text = str(text)
    if not text.isascii():
        text = text.translate(FOLD_TABLE)
        if not text.isascii():
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.casefold().split())
