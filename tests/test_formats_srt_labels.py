"""SRT and Audacity label tracks, both ways, with the variants real files carry."""

from __future__ import annotations

import pytest

from dreamreel.core.errors import FormatError
from dreamreel.core.formats import DEFAULT_LAST_MS, format_lyrics, parse_lyrics

from lyrics_helpers import blk, load, spans


# --- SRT ------------------------------------------------------------------------------------


def test_srt_basic_multiline_text_joined(tmp_path):
    data = b"1\n00:00:01,000 --> 00:00:04,000\nHello\nworld\n\n2\n00:00:05,500 --> 00:00:07,250\nBye\n"
    assert spans(load(tmp_path, data, "a.srt")) == [("Hello\nworld", 1000, 4000), ("Bye", 5500, 7250)]


def test_srt_dots_missing_index_extra_blank_lines_bom_crlf(tmp_path):
    data = ("\ufeff\r\n\r\n00:00:01.000 --> 00:00:02.5\r\nOne\r\n\r\n\r\n\r\n"
            "7\r\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20\r\nTwo\r\n\r\nstill two\r\n").encode()
    assert spans(load(tmp_path, data, "a.srt")) == [("One", 1000, 2500), ("Two\nstill two", 3000, 4000)]


def test_srt_digit_only_text_line_is_text_not_an_index(tmp_path):
    data = b"1\n00:00:01,000 --> 00:00:02,000\n99\n\n2\n00:00:03,000 --> 00:00:04,000\nLuftballons\n"
    assert [b.text for b in load(tmp_path, data, "a.srt").blocks] == ["99", "Luftballons"]


def test_srt_bad_timing_warns_lenient_raises_strict(tmp_path):
    data = b"1\n00:00:01,000 --> soon\nlost\n\n2\n00:00:03,000 --> 00:00:04,000\nkept\n"
    lyrics = load(tmp_path, data, "a.srt")
    assert spans(lyrics) == [("kept", 3000, 4000)]
    assert lyrics.warnings == [f"{tmp_path / 'a.srt'}:2: bad timing line; use 00:00:01,000 --> 00:00:04,000"]
    with pytest.raises(FormatError, match=r"a\.srt:2: bad timing line"):
        load(tmp_path, data, "a.srt", strict=True)


def test_srt_overlapping_cues_are_cut_to_the_next_start(tmp_path):
    data = b"00:00:01,000 --> 00:00:05,000\na\n\n00:00:03,000 --> 00:00:06,000\nb\n"
    lyrics = load(tmp_path, data, "a.srt")
    assert spans(lyrics) == [("a", 1000, 3000), ("b", 3000, 6000)]
    assert "overlaps the next block" in lyrics.warnings[0]


def test_srt_not_subtitles_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match=r"a\.srt: no subtitle cues found"):
        load(tmp_path, b"just some\ntext\n", "a.srt")


def test_srt_export_and_read_back():
    blocks = [blk("Hello", 1000, 4000, secondary="Hallo"), blk("Long", 3_600_000, 3_723_456)]
    out = format_lyrics(blocks, "srt")
    assert out == ("1\n00:00:01,000 --> 00:00:04,000\nHello\nHallo\n\n"
                   "2\n01:00:00,000 --> 01:02:03,456\nLong\n")
    assert spans(parse_lyrics(out, "srt")) == [("Hello\nHallo", 1000, 4000), ("Long", 3_600_000, 3_723_456)]


# --- Audacity labels ------------------------------------------------------------------------


def test_labels_basic_with_comma_decimals_and_frequency_rows(tmp_path):
    data = b"1.500000\t3.250000\tfirst\n\\\t100.0\t2000.0\n3,25\t4,0\tsecond\n"
    lyrics = load(tmp_path, data, "track.txt")
    assert spans(lyrics) == [("first", 1500, 3250), ("second", 3250, 4000)]
    assert lyrics.warnings == []


def test_labels_point_labels_end_at_next_start_then_song_end(tmp_path):
    data = b"1.0\t1.0\ta\n2.0\t2.0\tb\n"
    assert spans(load(tmp_path, data, "track.labels", duration_ms=9000)) == [("a", 1000, 2000), ("b", 2000, 9000)]
    assert spans(load(tmp_path, data, "track.labels"))[-1] == ("b", 2000, 2000 + DEFAULT_LAST_MS)


def test_labels_spaces_instead_of_tabs_and_text_with_spaces(tmp_path):
    data = b"0.5   2.0   a label with spaces\n"
    assert spans(load(tmp_path, data, "track.txt")) == [("a label with spaces", 500, 2000)]


def test_labels_bad_time_warns_lenient_raises_strict(tmp_path):
    data = b"x\t1\tbad\n2\t3\tgood\n"
    assert spans(load(tmp_path, data, "track.txt")) == [("good", 2000, 3000)]
    with pytest.raises(FormatError, match=r"track\.txt:1: bad label time 'x'"):
        load(tmp_path, data, "track.txt", strict=True)


def test_labels_export_six_decimals_single_line_and_read_back():
    blocks = [blk("one\ttwo\nthree", 1, 1234), blk("b", 61_000, 62_005)]
    out = format_lyrics(blocks, "labels")
    assert out == "0.001000\t1.234000\tone two three\n61.000000\t62.005000\tb\n"
    assert spans(parse_lyrics(out, "labels")) == [("one two three", 1, 1234), ("b", 61_000, 62_005)]
