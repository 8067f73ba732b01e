"""Parse the messy values of national exports and hand-made tables: numbers written as ``1.234.567,89``,
dates as ``dd.mm.yyyy``, yes/no in three languages, text in two scripts (``fold`` is the shared
``nadzor.text.fold``, kept here for the readers that import it from this module).

Every parser returns the value or raises ``ValueError`` with a reason a journalist can read; the caller turns
that into a quarantine record with file, row and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from nadzor.text import fold

__all__ = ["parse_number", "parse_int", "parse_date", "parse_bool", "fold", "decode_bytes"]

_CURRENCY_WORDS = re.compile(r"(?i)\b(?:rsd|dinara|din|eur|km|bam|mkd|den|lek|hrk|kn|usd)\b\.?|[€$]")


def parse_number(value, *, decimal: str = ",") -> float | None:
    """Parse a number written the Serbian (``1.234.567,89``), English (``1,234,567.89``) or plain way.

    ``decimal`` decides the one ambiguous case: a single separator followed by exactly three digits
    (``1.234`` is 1234 when the decimal mark is ``,``). Currency words (RSD, din., EUR, KM) are ignored.
    Empty cells are None.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = _CURRENCY_WORDS.sub("", str(value)).strip()
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("'", "")
    if text in ("", "-", "—"):
        return None
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-() ")
    text = text.replace(" ", "")
    if not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"\d", text):
        raise ValueError(f"{value!r} is not a number")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
    elif dots + commas == 0:
        dec = None
    else:
        sep = "." if dots else ","
        if text.count(sep) > 1:
            dec = None   # a repeated separator groups thousands
            if not re.fullmatch(r"\d{1,3}(\%s\d{3})+" % sep, text):
                raise ValueError(f"{value!r}: separators in the wrong places")
        elif re.fullmatch(r"\d{1,3}\%s\d{3}" % sep, text):
            dec = sep if sep == decimal else None
        else:
            dec = sep
    if dec is None:
        number = text.replace(".", "").replace(",", "")
    else:
        thousands = "," if dec == "." else "."
        intpart, _, frac = text.rpartition(dec)
        if thousands in frac:
            raise ValueError(f"{value!r}: separators in the wrong places")
        intpart = intpart.replace(thousands, "")
        if not intpart.isdigit() and intpart:
            raise ValueError(f"{value!r}: separators in the wrong places")
        number = f"{intpart or '0'}.{frac}"
    result = float(number)
    return -result if negative else result


def parse_int(value, *, decimal: str = ",") -> int | None:
    """Parse a whole number (a count of bidders, a quantity); ``3,0`` is 3, ``2,5`` is an error."""
    number = parse_number(value, decimal=decimal)
    if number is None:
        return None
    if number != int(number):
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


_DATE_PATTERNS = [
    (re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\.?"), "dmy"),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), "dmy"),
    (re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})"), "dmy"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})"), "ymd"),
]


def parse_date(value) -> str | None:
    """Parse ``dd.mm.yyyy`` (with or without the final dot), ``dd/mm/yyyy``, ISO dates, Excel dates and
    Excel serial day numbers; return an ISO 8601 date-time string at midnight UTC. A time after the date
    (``12.03.2021 10:15``) is ignored. Empty cells are None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() + "T00:00:00Z"
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00Z"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:   # an Excel serial day number (1954 .. 2119)
            return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat() + "T00:00:00Z"
        raise ValueError(f"{value!r} is not a date")
    text = str(value).strip()
    if not text:
        return None
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(text)
        if m and (m.end() == len(text) or not text[m.end()].isdigit()):
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (c, b, a) if order == "dmy" else (a, b, c)
            try:
                return date(y, mo, d).isoformat() + "T00:00:00Z"
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a valid date ({exc})") from None
    raise ValueError(f"{value!r} is not a date (expected dd.mm.yyyy or yyyy-mm-dd)")


_TRUE = {"da", "yes", "y", "true", "1", "x", "ja", "po", "tak", "d"}
_FALSE = {"ne", "no", "n", "false", "0", "nein", "jo", ""}


def parse_bool(value) -> bool | None:
    """Parse yes/no: da/ne, yes/no, да/не, 1/0, x; empty is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = fold(value)
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no (da/ne, yes/no, 1/0)")


_SR_LATIN_EXTRA = set("čćžšđČĆŽŠĐ")


def _score(text: str) -> int:
    """Score a decoding of Serbian/Croatian text: whole-Cyrillic or Serbian-Latin words count for it,
    words mixing scripts or holding foreign accented letters count against it."""
    score = 0
    for word in re.findall(r"[^\W\d_]+", text):
        if word.isascii():
            continue
        if all("\u0400" <= c <= "\u04ff" for c in word):
            score += 1
        elif all(c.isascii() or c in _SR_LATIN_EXTRA for c in word):
            score += 1
        else:
            score -= 2
    return score


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str, str | None]:
    """Decode a text file; return (text, encoding used, warning or None).

    UTF-8 (with or without BOM) is tried first. Otherwise Windows-1250 (Latin script) and Windows-1251
    (Cyrillic), common in Serbian exports, are scored word by word and the better one is used, with a warning
    that says so. ``encoding`` forces a codec.
    """
    if encoding and encoding != "auto":
        try:
            return data.decode(encoding), encoding, None
        except (UnicodeDecodeError, LookupError) as exc:
            from nadzor.exceptions import InputError

            raise InputError(f"cannot decode the file as {encoding}: {exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8-sig", None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", None
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    candidates = []
    for codec in ("cp1250", "cp1251"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_score(text), codec, text))
    if not candidates:
        text = data.decode("latin-1")
        return text, "latin-1", "not UTF-8, Windows-1250 or Windows-1251: decoded as Latin-1; check the letters"
    candidates.sort(key=lambda c: -c[0])
    _, codec, text = candidates[0]
    name = {"cp1250": "Windows-1250", "cp1251": "Windows-1251"}[codec]
    return text, codec, f"the file is not UTF-8: decoded as {name} (detected); check a few names with č, ć, š, ž, đ"
