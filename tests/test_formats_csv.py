"""CSV screenplay import/export: the classic `"text",seconds` form and the header form."""

from __future__ import annotations

import pytest

from dreamreel.core.errors import FormatError
from dreamreel.core.formats import DEFAULT_LAST_MS, format_lyrics, parse_lyrics
from dreamreel.core.project import Prompt, Style

import lyrics_helpers
from lyrics_helpers import blk, spans


def load(tmp_path, data: bytes, name: str = "screenplay.csv", **kw):
    return lyrics_helpers.load(tmp_path, data, name, **kw)


def test_classic_form_ends_at_next_start_and_song_end(tmp_path):
    data = b'"A lighthouse in a storm",0\n"Waves of glass",12.5\n"The End",61\n'
    lyrics = load(tmp_path, data, duration_ms=70_000)
    assert spans(lyrics) == [("A lighthouse in a storm", 0, 12_500), ("Waves of glass", 12_500, 61_000),
                             ("The End", 61_000, 70_000)]
    assert lyrics.warnings == []


def test_classic_form_without_song_gives_last_block_default_length(tmp_path):
    assert load(tmp_path, b'"only",2\n').blocks[0].end_ms == 2000 + DEFAULT_LAST_MS


def test_bom_crlf_spaces_after_comma_quoted_commas_doubled_quotes(tmp_path):
    data = '\ufeff"Storm, at sea",0\r\n  "She said ""run""" ,  1.25\r\n"multi\nline", 3\r\n'.encode()
    assert spans(load(tmp_path, data)) == [("Storm, at sea", 0, 1250), ('She said "run"', 1250, 3000),
                                           ("multi\nline", 3000, 3000 + DEFAULT_LAST_MS)]


def test_clock_times_and_unquoted_text(tmp_path):
    data = b"intro,0:00\nverse, 1:02.5\noutro,01:03:04.25\n"
    assert [b.start_ms for b in load(tmp_path, data).blocks] == [0, 62_500, 3_784_250]


def test_rows_out_of_order_are_sorted(tmp_path):
    data = b'"b",5\n"a",1\n"c",9\n'
    assert [b.text for b in load(tmp_path, data).blocks] == ["a", "b", "c"]


def test_header_form_any_order_with_end_style_seed(tmp_path):
    data = (b"Seed,Start,Text,End,Style\n"
            b'7,0,"dawn",4.5,"oil painting:1.5 | dark:-0.5 | weird"\n'
            b',10,"dusk",,\n')
    a, b = load(tmp_path, data, duration_ms=20_000).blocks
    assert (a.text, a.start_ms, a.end_ms, a.seed) == ("dawn", 0, 4500, 7)
    assert a.style == Style(phrases=[Prompt("oil painting", 1.5), Prompt("dark", -0.5), Prompt("weird", 1.0)])
    assert (b.text, b.start_ms, b.end_ms, b.seed, b.style) == ("dusk", 10_000, 20_000, None, None)


def test_header_form_unknown_column_warns(tmp_path):
    lyrics = load(tmp_path, b"text,start,mood\nx,1,happy\n")
    assert spans(lyrics) == [("x", 1000, 1000 + DEFAULT_LAST_MS)]
    assert "unknown column 'mood' ignored" in lyrics.warnings[0]


def test_empty_text_row_is_a_gap(tmp_path):
    data = b'"a",0\n"",2\n"b",5\n'
    assert spans(load(tmp_path, data, duration_ms=8000)) == [("a", 0, 2000), ("b", 5000, 8000)]


def test_bad_rows_warn_with_line_lenient_and_raise_strict(tmp_path):
    data = b'"a",0\n"b",soon\n"c",3,4,5\n"d",6\n'
    lyrics = load(tmp_path, data)
    assert [b.text for b in lyrics.blocks] == ["a", "d"]
    assert [w.split(": ", 1)[0].rsplit(":", 1)[1] for w in lyrics.warnings] == ["2", "3"]
    with pytest.raises(FormatError, match=r"screenplay\.csv:2: bad time 'soon'"):
        load(tmp_path, data, strict=True)


def test_header_end_overlapping_next_is_cut_lenient_error_strict(tmp_path):
    data = b"text,start,end\na,0,5\nb,3,6\n"
    lyrics = load(tmp_path, data)
    assert spans(lyrics) == [("a", 0, 3000), ("b", 3000, 6000)]
    with pytest.raises(FormatError, match=r":2: overlaps the next block"):
        load(tmp_path, data, strict=True)


def test_empty_csv_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match="no screenplay rows found"):
        load(tmp_path, b"\xef\xbb\xbf\r\n")


# --- export ---------------------------------------------------------------------------------


def test_export_classic_by_default_with_a_final_end_row():
    blocks = [blk('A "lighthouse", storm', 0, 12_500), blk("The End", 12_500, 61_025)]
    out = format_lyrics(blocks, "csv", duration_ms=61_025)
    assert out == '"A ""lighthouse"", storm",0\n"The End",12.5\n"",61.025\n'
    for song in (61_025, 200_000, None):  # the last end survives without the song, or with a longer one
        back = parse_lyrics(out, "csv", duration_ms=song).blocks
        assert [(b.text, b.start_ms, b.end_ms) for b in back] == [(b.text, b.start_ms, b.end_ms) for b in blocks]


def test_export_classic_on_request_keeps_gaps_and_the_last_end():
    # Issue 10: the 2-column export dropped the last end (140 s re-read as 24.8 s).
    blocks = [blk("a", 0, 10_000), blk("b", 12_000, 24_800), blk("c", 24_800, 140_000, style=Style([Prompt("x")]))]
    out = format_lyrics(blocks, "csv", classic=True)
    assert out.splitlines() == ['"a",0', '"",10', '"b",12', '"c",24.8', '"",140']
    assert spans(parse_lyrics(out, "csv")) == [("a", 0, 10_000), ("b", 12_000, 24_800), ("c", 24_800, 140_000)]


def test_export_header_form_when_needed_and_on_request():
    # style_mode "replace" is what a row's style reads as, so the six columns hold it (other
    # modes add a style_mode column: test_formats_csv_flags.py)
    styled = [blk("a", 0, 1000, style=Style([Prompt("dark", 0.5)]), seed=3, style_mode="replace"), blk("b", 2000, 3000)]
    out = format_lyrics(styled, "csv")
    assert out.splitlines() == ["text,start,end,style,seed,secondary", '"a",0,1,"dark:0.5",3,""', '"b",2,3,"",,""']
    back = parse_lyrics(out, "csv").blocks
    assert [(b.text, b.start_ms, b.end_ms, b.style, b.seed) for b in back] == [
        ("a", 0, 1000, Style([Prompt("dark", 0.5)]), 3), ("b", 2000, 3000, None, None)]
    plain = [blk("a", 0, 1000), blk("b", 1000, 2000)]
    assert format_lyrics(plain, "csv", header=True).splitlines()[0] == "text,start,end,style,seed,secondary"
    gap = [blk("a", 0, 1000), blk("b", 1500, 2000)]
    assert format_lyrics(gap, "csv").splitlines()[0] == "text,start,end,style,seed,secondary"  # one stable form


def test_export_secondary_goes_to_its_own_column():
    out = format_lyrics([blk("hola", 0, 1000, secondary="hello")], "csv")
    assert out.splitlines()[0] == "text,start,end,style,seed,secondary"
    back = parse_lyrics(out, "csv").blocks[0]
    assert (back.text, back.secondary) == ("hola", "hello")


# --- issue 10: spreadsheet times, delimiters, header names ----------------------------------


def test_hour_clocks_are_hours_not_centiseconds_and_the_row_stays_in_place(tmp_path):
    data = b'"a",0\n"b",0:03:10\n"c",00:05:00.5\n"d",7:30\n'
    lyrics = load(tmp_path, data)
    assert [(b.text, b.start_ms) for b in lyrics.blocks] == [("a", 0), ("b", 190_000), ("c", 300_500), ("d", 450_000)]
    assert lyrics.warnings == []


def test_rows_out_of_order_warn_with_the_line(tmp_path):
    lyrics = load(tmp_path, b'"b",5\n"a",1\n')
    assert lyrics.warnings == [f"{tmp_path / 'screenplay.csv'}:2: starts (1000 ms) before the line above it "
                               f"(line 1, 5000 ms); sorted into place (check the time)"]


def test_semicolon_csv_with_decimal_commas_as_excel_writes_it(tmp_path):
    data = 'Text;Start;End\r\n"Sunrise, slow";0;12,5\r\nWaves;12,5;30,25\r\n'.encode("cp1252")
    lyrics = load(tmp_path, data)
    assert spans(lyrics) == [("Sunrise, slow", 0, 12_500), ("Waves", 12_500, 30_250)]
    assert lyrics.warnings == [f"{tmp_path / 'screenplay.csv'}: read as semicolon-separated CSV with decimal commas"]


def test_semicolon_classic_unquoted_and_tab_separated(tmp_path):
    assert spans(load(tmp_path, b"Sunrise;0\nDusk;1,5\n", duration_ms=4000)) == [("Sunrise", 0, 1500),
                                                                                 ("Dusk", 1500, 4000)]
    lyrics = load(tmp_path, b"a, b\t0\nc\t2.5\n", duration_ms=4000)
    assert spans(lyrics) == [("a, b", 0, 2500), ("c", 2500, 4000)]
    assert lyrics.warnings[-1].endswith(": read as tab-separated CSV")


def test_comma_csv_with_semicolons_in_text_stays_comma(tmp_path):
    lyrics = load(tmp_path, b'"one; two",0\n"three; four",2\n', duration_ms=5000)
    assert spans(lyrics) == [("one; two", 0, 2000), ("three; four", 2000, 5000)]
    assert lyrics.warnings == []


@pytest.mark.parametrize("header", ["prompt,seconds", "Lyric,Time", "Caption,Start (s)", "line,begin", "Text,Timestamp"])
def test_named_headers(tmp_path, header):
    data = f"{header}\ndawn,0\ndusk,2.5\n".encode()
    assert spans(load(tmp_path, data, duration_ms=5000)) == [("dawn", 0, 2500), ("dusk", 2500, 5000)]


def test_millisecond_columns_and_end_names(tmp_path):
    data = b"prompt,start_ms,end (ms),translation\ndawn,0,1500,alba\ndusk,2500,4000,\n"
    lyrics = load(tmp_path, data)
    assert spans(lyrics) == [("dawn", 0, 1500), ("dusk", 2500, 4000)]
    assert lyrics.blocks[0].secondary == "alba"
