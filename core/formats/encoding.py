"""Bytes to text for lyrics files: BOMs, UTF-8, UTF-16/32, and legacy code pages by detection.

Order: an explicit `encoding` wins; then a BOM; then strict UTF-8; then UTF-16 without a BOM
(lots of NULs in alternate bytes); then charset-normalizer, first limited to the code pages
lyrics files really use (GB18030/GBK, Big5, Shift-JIS, EUC-KR, cp1252, cp1251), then unrestricted.
Binary junk raises FormatError, never a UnicodeError.
"""

from __future__ import annotations

import codecs

from dreamreel.core.errors import FormatError

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Tried first because short lyric files fool open-ended detection (cp1252 read as cp1250).
LEGACY_ENCODINGS = ("gb18030", "big5", "cp932", "euc_kr", "cp1252", "cp1251")


def decode_text(data: bytes, encoding: str | None = None, *, source: str | None = None) -> str:
    """Decode a lyrics file's bytes. `encoding` overrides detection (e.g. "gbk", "big5").

    BOMs are removed (at the start; stray ones later are left for the parsers to drop)."""
    if encoding:
        return _decode(data, encoding, source)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], name, source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = _guess_utf16(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise FormatError("looks like a binary file, not text; pick a lyrics file (LRC, CSV, SRT, labels)", path=source)
    text = _detect(data)
    if text is None:
        raise FormatError(
            "cannot tell the text encoding; pass the encoding explicitly (e.g. --encoding gbk)", path=source
        )
    return text


def _decode(data: bytes, encoding: str, source: str | None) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise FormatError(
            f"unknown text encoding {encoding!r}; use e.g. utf-8, gbk, big5, shift_jis, cp1252", path=source
        ) from None
    except UnicodeDecodeError as e:
        raise FormatError(
            f"not valid {encoding} text (byte {e.start}); try another encoding or let Dreamreel detect it", path=source
        ) from None


def _guess_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    half = len(data) // 2
    if odd.count(0) > 0.4 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) > 0.4 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # import lazily: only legacy files need it

    for kwargs in ({"cp_isolation": list(LEGACY_ENCODINGS)}, {}):
        best = from_bytes(data, **kwargs).best()
        if best is not None:
            return str(best)
    return None
