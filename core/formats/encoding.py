"""Bytes to text for lyrics files: BOMs, UTF-8, UTF-16/32, and legacy code pages by detection.

Order: an explicit `encoding` wins; then a BOM; then strict UTF-8; then UTF-16 without a BOM
(lots of NULs in alternate bytes); then charset-normalizer, first limited to the code pages
lyrics files really use (GB18030/GBK, Big5, Shift-JIS, EUC-KR, cp1252, cp1251), then unrestricted.
Short CJK files decode cleanly in several of these, so the candidates that decode as cleanly as
the best are ranked by how COMMON their characters are in their own script (GB2312 level 1
hanzi, Big5 level 1, JIS level 1 kanji and kana, Hangul, Latin or Cyrillic letters); when
another reading stays close, `decode_report` says so in one line naming the guess and
`--encoding`. Binary junk raises FormatError, never a UnicodeError.
"""

from __future__ import annotations

import codecs
import re

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
    return decode_report(data, encoding, source=source)[0]


def decode_report(data: bytes, encoding: str | None = None, *, source: str | None = None) -> tuple[str, str | None]:
    """As decode_text, and a one-line note when a legacy encoding was guessed with low confidence."""
    if encoding:
        return _decode(data, encoding, source), None
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom):], name, source), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    utf16 = _guess_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), None
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise FormatError("looks like a binary file, not text; pick a lyrics file (LRC, CSV, SRT, labels)", path=source)
    found = _detect(data)
    if found is None:
        raise FormatError(
            "cannot tell the text encoding; pass the encoding explicitly (e.g. --encoding gbk)", path=source
        )
    return found


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


def _detect(data: bytes) -> tuple[str, str | None] | None:
    from charset_normalizer import from_bytes  # import lazily: only legacy files need it

    matches = list(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        best = from_bytes(data).best()
        return None if best is None else (str(best), None)
    clean = min(m.chaos for m in matches)
    ranked = []  # (commonness, charset-normalizer's rank, encoding, text)
    for rank, m in enumerate(matches):
        if m.chaos <= clean + 0.1:
            text = str(m)
            ranked.append((_commonness(text, m.encoding), -rank, m.encoding, text))
    ranked.sort(reverse=True)
    score, _, name, text = ranked[0]
    rivals = [r for r in ranked[1:] if r[3] != text and r[0] >= score - 0.15]
    if not rivals:
        return text, None
    other = rivals[0][2]
    return text, (f"text encoding guessed as {name} with low confidence (it also reads as {other}); "
                  f"if the lyrics look wrong, pass --encoding {other}")


def _commonness(text: str, encoding: str) -> float:
    """Share of the non-ASCII letters that are everyday characters of the encoding's script."""
    total = common = 0
    for word in re.findall(r"[^\W\d_]+", text):
        mixed = word.isascii() is False and any(c.isascii() for c in word)  # `Cafй`: Latin with Cyrillic
        for c in word:
            if ord(c) > 127:
                total += 1
                common += _common(c, encoding) and not (mixed and not _latin_page(encoding))
    for c in text:  # symbols: lyrics use punctuation and quotes, not `²¢§±`
        if ord(c) > 127 and not c.isspace() and not c.isalpha():
            total += 1
            common += c in _COMMON_SYMBOLS or "\u2000" <= c <= "\u206f" or "\u3000" <= c <= "\u303f" \
                or "\uff00" <= c <= "\uffef"
    return common / total if total else 1.0


_COMMON_SYMBOLS = set("«»¡¿·°")


def _latin_page(encoding: str) -> bool:
    return codecs.lookup(encoding).name not in ("cp1251", "euc_kr", "big5", "gb18030", "gbk", "cp932", "shift_jis")


def _common(c: str, encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    try:
        if name in ("gb18030", "gbk", "gb2312"):
            b = c.encode("gb2312")
            return len(b) == 2 and 0xB0 <= b[0] <= 0xD7  # GB2312 level 1: the 3755 common hanzi
        if name == "big5":
            b = c.encode("big5")
            return len(b) == 2 and 0xA4 <= b[0] <= 0xC6  # Big5 level 1: common hanzi
        if name in ("cp932", "shift_jis"):
            if "\u3040" <= c <= "\u30ff":
                return True  # kana
            b = c.encode("cp932")
            return len(b) == 2 and 0x88 <= b[0] <= 0x98  # JIS level 1 kanji
    except UnicodeEncodeError:
        return False
    if name == "euc_kr":
        return "\uac00" <= c <= "\ud7a3"  # Hangul syllables
    if name == "cp1251":
        return "\u0400" <= c <= "\u04ff"
    return ord(c) < 0x250  # Latin
