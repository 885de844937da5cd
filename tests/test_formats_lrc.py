"""LRC import/export: one test per awkward case met in real files (DESIGN §4), as real bytes."""

from __future__ import annotations

import pytest

from dreamreel.core.errors import FormatError
from dreamreel.core.formats import DEFAULT_LAST_MS, format_lyrics, parse_lyrics, read_lyrics, write_lyrics
from dreamreel.core.project import WordTiming

import lyrics_helpers
from lyrics_helpers import blk, spans


def load(tmp_path, data: bytes, name: str = "song.lrc", **kw):
    return lyrics_helpers.load(tmp_path, data, name, **kw)


def test_bom_at_start_and_mid_file(tmp_path):
    data = "\ufeff[00:01.00]one\n\ufeff[00:02.00]two\n[00:03.00]th\ufeffree\n".encode()
    assert spans(load(tmp_path, data)) == [("one", 1000, 2000), ("two", 2000, 3000), ("three", 3000, 3000 + DEFAULT_LAST_MS)]


def test_crlf_cr_lf_mixed_and_no_final_newline(tmp_path):
    data = b"[00:01.00]a\r\n[00:02.00]b\r[00:03.00]c\n[00:04.00]d\r\n[00:05.00]"
    assert spans(load(tmp_path, data)) == [("a", 1000, 2000), ("b", 2000, 3000), ("c", 3000, 4000), ("d", 4000, 5000)]


def test_several_time_tags_out_of_order_sorted_stably(tmp_path):
    data = b"[00:45.30][00:12.00]Chorus\n[00:20.00]Verse\n[00:50.00]\n"
    assert spans(load(tmp_path, data)) == [("Chorus", 12000, 20000), ("Verse", 20000, 45300), ("Chorus", 45300, 50000)]


@pytest.mark.parametrize(
    "stamp, ms",
    [("00:01.5", 1500), ("00:01.05", 1050), ("00:01.050", 1050), ("00:01", 1000), ("00:01.", 1000),
     ("1:07.899", 67899), ("75:00.00", 4_500_000), ("01:02:03.45", 3_723_450), ("00:12:34", 12_340),
     (" 00 : 12 . 34 ", 12_340)],
)
def test_time_tag_variants(tmp_path, stamp, ms):
    lyrics = load(tmp_path, f"[{stamp}]x\n".encode())
    assert lyrics.blocks[0].start_ms == ms


def test_id_tags_case_insensitive_spaces_unknown_kept_in_order(tmp_path):
    data = b"[TI: My Song ]\n[ Ar :Someone]\n[al:Album][by:me]\n[tool:LrcMaker]\n[re:x][ve:1.0][au:Writer]\n[00:01.00]a\n"
    lyrics = load(tmp_path, data)
    assert lyrics.tags == {"ti": "My Song", "ar": "Someone", "al": "Album", "by": "me", "tool": "LrcMaker",
                           "re": "x", "ve": "1.0", "au": "Writer"}
    assert list(lyrics.tags) == ["ti", "ar", "al", "by", "tool", "re", "ve", "au"]


@pytest.mark.parametrize("tag, offset", [("+500", 500), (" + 500 ms", 500), ("500ms", 500), ("-250", -250)])
def test_offset_makes_lines_earlier_and_is_kept(tmp_path, tag, offset):
    lyrics = load(tmp_path, f"[offset:{tag}]\n[00:10.00]a\n[00:20.00]b\n[00:30.00]\n".encode())
    assert lyrics.offset_ms == offset
    assert spans(lyrics) == [("a", 10000 - offset, 20000 - offset), ("b", 20000 - offset, 30000 - offset)]
    assert lyrics.tags["offset"] == tag.strip()


def test_offset_never_makes_times_negative(tmp_path):
    lyrics = load(tmp_path, b"[offset:+800]\n[00:00.50]early\n[00:02.00]b\n")
    assert lyrics.blocks[0].start_ms == 0 and lyrics.blocks[1].start_ms == 1200


def test_bad_offset_warns_lenient_and_raises_strict(tmp_path):
    data = b"[offset:soon]\n[00:01.00]a\n"
    assert any("offset" in w for w in load(tmp_path, data).warnings)
    with pytest.raises(FormatError, match="offset"):
        load(tmp_path, data, strict=True)


def test_section_header_is_skipped_with_warning_even_in_strict(tmp_path):
    data = b"[Chorus]\n[00:01.00]la la\n[00:02.00]\n"
    for strict in (False, True):
        lyrics = load(tmp_path, data, strict=strict)
        assert spans(lyrics) == [("la la", 1000, 2000)]
        assert lyrics.warnings == [f"{tmp_path / 'song.lrc'}:1: section header '[Chorus]' has no time tag; skipped"]


def test_brackets_inside_text_and_duet_prefixes_kept(tmp_path):
    data = b"[00:01.00]M: Hey [x2] (oh)\n[00:02.00]F: [laughs] ho\n[00:03.00]D: both\n"
    assert [b.text for b in load(tmp_path, data).blocks] == ["M: Hey [x2] (oh)", "F: [laughs] ho", "D: both"]


def test_empty_timed_line_ends_block_and_leaves_gap(tmp_path):
    data = b"[00:01.00]a\n[00:02.50]\n[00:04.00]b\n[00:05.00]\n"
    assert spans(load(tmp_path, data)) == [("a", 1000, 2500), ("b", 4000, 5000)]


def test_untimed_blank_lines_are_stanza_breaks(tmp_path):
    data = b"\n[00:01.00]a\n[00:02.00]b\n\n\n[00:03.00]c\n[00:04.00]d\n\n[00:05.00]e\n"
    lyrics = load(tmp_path, data)
    breaks = [b.start_ms for b in lyrics.blocks if b.stanza_break]
    assert breaks == [3000, 5000]
    out = format_lyrics(lyrics.blocks, "lrc")
    assert [b.start_ms for b in parse_lyrics(out, "lrc").blocks if b.stanza_break] == breaks


def test_equal_timestamps_become_original_plus_translation(tmp_path):
    data = "[00:01.00]君の名は\n[00:01.00]Your name\n[00:03.00]next\n".encode()
    b = load(tmp_path, data).blocks[0]
    assert (b.text, b.secondary, b.start_ms, b.end_ms) == ("君の名は", "Your name", 1000, 3000)


def test_enhanced_word_tags_become_words_and_leave_text(tmp_path):
    data = b"[00:01.00]<00:01.00>Hel<00:01.25>lo <00:01.50>world<00:02.00>\n[00:03.00]plain <3 text\n"
    a, b = load(tmp_path, data).blocks
    assert a.text == "Hello world"
    assert [(w.start_ms, w.text) for w in a.words] == [(1000, "Hel"), (1250, "lo "), (1500, "world"), (2000, "")]
    assert (b.text, b.words) == ("plain <3 text", [])


def test_enhanced_words_follow_offset_and_round_trip(tmp_path):
    data = b"[offset:+100]\n[00:01.10]Go <00:01.60>now\n[00:03.00]\n"
    lyrics = load(tmp_path, data)
    assert [(w.start_ms, w.text) for w in lyrics.blocks[0].words] == [(1000, "Go "), (1500, "now")]
    out = format_lyrics(lyrics.blocks, "lrc", enhanced=True)
    assert "[00:01.00]<00:01.00>Go <00:01.50>now" in out
    back = parse_lyrics(out, "lrc").blocks[0]
    assert (back.text, back.words) == (lyrics.blocks[0].text, lyrics.blocks[0].words)
    assert "<" not in format_lyrics(lyrics.blocks, "lrc")  # simple export strips word tags


@pytest.mark.parametrize(
    "encoding, text",
    [("gbk", "[00:01.00]我爱你中国\n[00:03.00]月亮代表我的心\n"),
     ("big5", "[00:01.00]我愛你中國\n[00:03.00]月亮代表我的心\n"),
     ("shift_jis", "[00:01.00]君の名は\n[00:03.00]夜空ノムコウ、さくら\n"),
     ("cp1252", "[00:01.00]Café crème brûlée\n[00:03.00]Ça va très bien, naïve\n"),
     ("utf-16", "[00:01.00]Grüße\n[00:03.00]Ĳsselmeer\n")],
)
def test_encodings_detected(tmp_path, encoding, text):
    lyrics = load(tmp_path, text.encode(encoding))
    assert [b.text for b in lyrics.blocks] == [line[10:] for line in text.splitlines()]


def test_encoding_override_and_bad_override(tmp_path):
    data = "[00:01.00]ΑΒΓ ok\n".encode("cp1253")
    assert load(tmp_path, data, encoding="cp1253").blocks[0].text == "ΑΒΓ ok"
    with pytest.raises(FormatError, match="not valid utf-8"):
        load(tmp_path, data, encoding="utf-8")
    with pytest.raises(FormatError, match="unknown text encoding"):
        load(tmp_path, data, encoding="klingon")


def test_last_block_end_from_length_tag_then_audio_then_default(tmp_path):
    data = b"[length: 03:20.5]\n[00:10.00]a\n"
    assert load(tmp_path, data).blocks[0].end_ms == 200_500
    assert load(tmp_path, data, duration_ms=150_000).blocks[0].end_ms == 150_000
    assert load(tmp_path, b"[00:10.00]a\n", duration_ms=90_000).blocks[0].end_ms == 90_000
    assert load(tmp_path, b"[00:10.00]a\n").blocks[0].end_ms == 10_000 + DEFAULT_LAST_MS


def test_lines_past_the_song_are_dropped_with_warning(tmp_path):
    lyrics = load(tmp_path, b"[00:01.00]a\n[00:09.00]b\n[00:12.00]c\n", duration_ms=10_000)
    assert spans(lyrics) == [("a", 1000, 9000), ("b", 9000, 10_000)]
    assert ":3: starts at 12000 ms, after the song's end" in lyrics.warnings[0]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n", b"[ti:x]\n[ar:y]\n", b"just words\n"])
def test_empty_or_tag_only_file_is_a_clear_error(tmp_path, data):
    with pytest.raises(FormatError, match=r"song\.lrc: no timed lines found"):
        load(tmp_path, data)


def test_bad_time_tag_warns_lenient_raises_strict_with_line(tmp_path):
    data = b"[00:01.00]a\n[00:61.00]bad\n[00:03.00]c\n"
    assert [b.text for b in load(tmp_path, data).blocks] == ["a", "c"]
    with pytest.raises(FormatError, match=r"song\.lrc:2: bad time tag \[00:61\.00\]"):
        load(tmp_path, data, strict=True)


def test_too_short_block_skipped_lenient_error_strict(tmp_path):
    data = b"[00:01.00]a\n[00:01.02]blip\n[00:02.00]c\n[00:03.00]\n"
    lyrics = load(tmp_path, data)
    assert spans(lyrics) == [("blip", 1020, 2000), ("c", 2000, 3000)]
    assert ":1: lasts 20 ms, shorter than 50 ms; skipped" in lyrics.warnings[0]
    with pytest.raises(FormatError, match=r":1: lasts 20 ms"):
        load(tmp_path, data, strict=True)


# --- export ---------------------------------------------------------------------------------


def test_export_rounds_to_hundredths_not_truncates():
    out = format_lyrics([blk("a", 1005, 1994), blk("b", 1994, 3000)], "lrc")
    assert out.splitlines() == ["[00:01.01]a", "[00:01.99]b", "[00:03.00]"]
    assert format_lyrics([blk("a", 1005, 1994)], "lrc", millis=True).splitlines() == ["[00:01.005]a", "[00:01.994]"]


def test_export_minutes_past_59_and_past_99_never_an_hour_field():
    # ffmpeg's lrc reader and players read `[1:41:00.00]` as 1 min 41 s; `[101:00.00]` is right.
    out = format_lyrics([blk("a", 75 * 60_000, 75 * 60_000 + 500), blk("b", 101 * 60_000, 101 * 60_000 + 500)], "lrc")
    assert out.splitlines() == ["[75:00.00]a", "[75:00.50]", "[101:00.00]b", "[101:00.50]"]
    assert [b.start_ms for b in parse_lyrics(out, "lrc").blocks] == [75 * 60_000, 101 * 60_000]


def test_export_keeps_tags_but_never_the_applied_offset():
    out = format_lyrics([blk("a", 1000, 2000)], "lrc", tags={"ti": "T", "offset": "+500", "tool": "x"})
    assert out.splitlines() == ["[ti:T]", "[tool:x]", "[00:01.00]a", "[00:02.00]"]


def test_export_with_explicit_offset_round_trips():
    blocks = [blk("a", 0, 1000), blk("b", 1000, 2500)]
    out = format_lyrics(blocks, "lrc", offset_ms=300)
    assert out.splitlines()[:2] == ["[offset:+300]", "[00:00.30]a"]
    assert spans(parse_lyrics(out, "lrc")) == [("a", 0, 1000), ("b", 1000, 2500)]


def test_export_gap_secondary_and_read_back():
    blocks = [blk("one", 1000, 2000, secondary="uno"), blk("two", 3000, 4000), blk("three", 4000, 4500)]
    out = format_lyrics(blocks, "lrc")
    assert out.splitlines() == ["[00:01.00]one", "[00:01.00]uno", "[00:02.00]", "[00:03.00]two",
                                "[00:04.00]three", "[00:04.50]"]
    back = parse_lyrics(out, "lrc").blocks
    assert [(b.text, b.secondary, b.start_ms, b.end_ms) for b in back] == [
        ("one", "uno", 1000, 2000), ("two", "", 3000, 4000), ("three", "", 4000, 4500)]


def test_write_lyrics_is_utf8_without_bom(tmp_path):
    path = tmp_path / "out.lrc"
    write_lyrics(path, [blk("Grüße 中文", 0, 1000)], tags={"ti": "Ünïcode"})
    data = path.read_bytes()
    assert data.decode("utf-8") == "[ti:Ünïcode]\n[00:00.00]Grüße 中文\n[00:01.00]\n"
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
    assert spans(read_lyrics(path)) == [("Grüße 中文", 0, 1000)]


def test_words_survive_export_only_when_enhanced():
    b = blk("Hi you", 0, 1000, words=[WordTiming(0, "Hi "), WordTiming(400, "you")])
    assert format_lyrics([b], "lrc", enhanced=True).splitlines()[0] == "[00:00.00]<00:00.00>Hi <00:00.40>you"
    assert format_lyrics([b], "lrc").splitlines()[0] == "[00:00.00]Hi you"
