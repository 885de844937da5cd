"""SRT styling, WebVTT and ASS/SSA: markup out of prompts, kept for writing back; karaoke words."""

from __future__ import annotations

import pytest

from dreamreel.core.errors import FormatError
from dreamreel.core.formats import format_lyrics, parse_lyrics, read_lyrics
from dreamreel.core.project import WordTiming

from lyrics_helpers import blk, load, spans

# --- SRT markup -----------------------------------------------------------------------------

STYLED_SRT = ('1\r\n00:00:01,000 --> 00:00:04,000\r\n<i>Hello</i> <b>dark</b> <font color="#ffcc00">sea</font>\r\n'
              '\r\n2\r\n00:00:05,000 --> 00:00:06,000\r\n{\\an8}<u>Top</u> line\r\n').encode()


def test_srt_styling_is_not_in_the_prompt(tmp_path):
    lyrics = load(tmp_path, STYLED_SRT, "a.srt")
    assert spans(lyrics) == [("Hello dark sea", 1000, 4000), ("Top line", 5000, 6000)]


def test_srt_styling_is_written_back_verbatim_while_unedited(tmp_path):
    lyrics = load(tmp_path, STYLED_SRT, "a.srt")
    out = format_lyrics(lyrics.blocks, "srt", source=lyrics)
    assert '<i>Hello</i> <b>dark</b> <font color="#ffcc00">sea</font>' in out and "{\\an8}<u>Top</u> line" in out
    lyrics.blocks[1].text = "Edited"
    out = format_lyrics(lyrics.blocks, "srt", source=lyrics)
    assert "<i>Hello</i>" in out and "\nEdited\n" in out and "Top" not in out


def test_srt_text_that_is_not_a_tag_stays():
    lyrics = parse_lyrics("1\n00:00:01,000 --> 00:00:02,000\nI <3 you, a < b > c\n", "srt")
    assert lyrics.blocks[0].text == "I <3 you, a < b > c"


def test_srt_export_of_an_arrow_in_text_reads_back_as_text():
    blocks = [blk("left --> right", 0, 1000), blk("next", 1000, 2000)]
    out = format_lyrics(blocks, "srt")
    assert out.count("-->") == 2  # the two timing lines only
    assert spans(parse_lyrics(out, "srt", strict=True)) == [("left --> right", 0, 1000), ("next", 1000, 2000)]


# --- WebVTT ---------------------------------------------------------------------------------

YOUTUBE_VTT = """\ufeffWEBVTT
Kind: captions
Language: en

STYLE
::cue(.red) { color: red }

NOTE written by hand,
over two lines

intro
00:01.000 --> 00:04.000 align:start position:10% line:0
<v Singer><i>Hello</i> &amp; <c.red>good&nbsp;night</c></v>

00:00:05.500 --> 00:00:07.250
<00:00:05.500><c> Twinkle</c><00:00:06.000><c> little</c><00:00:06.500><c> star</c>

01:00:00.000 --> 01:00:01.500
an hour in
second line
""".encode()


def test_vtt_header_settings_notes_spans_entities_hours_optional(tmp_path):
    lyrics = load(tmp_path, YOUTUBE_VTT, "a.vtt")
    assert spans(lyrics) == [("Hello & good night", 1000, 4000), ("Twinkle little star", 5500, 7250),
                             ("an hour in\nsecond line", 3_600_000, 3_601_500)]
    assert lyrics.warnings == []


def test_vtt_inline_timestamps_are_word_times(tmp_path):
    words = load(tmp_path, YOUTUBE_VTT, "a.vtt").blocks[1].words
    assert words == [WordTiming(5500, "Twinkle"), WordTiming(6000, " little"), WordTiming(6500, " star")]


def test_vtt_written_back_keeps_identifier_settings_header_and_spans(tmp_path):
    lyrics = load(tmp_path, YOUTUBE_VTT, "a.vtt")
    out = format_lyrics(lyrics.blocks, "vtt", source=lyrics)
    assert out.startswith("WEBVTT\nKind: captions\nLanguage: en\n\nSTYLE\n::cue(.red)")
    assert "intro\n00:00:01.000 --> 00:00:04.000 align:start position:10% line:0\n<v Singer><i>Hello</i>" in out
    assert spans(parse_lyrics(out, "vtt", strict=True)) == spans(lyrics)


def test_vtt_export_escapes_and_reads_back():
    blocks = [blk("Tom & Jerry <3 --> ok", 0, 1500, secondary="zweite"), blk("b", 61_000, 62_005)]
    out = format_lyrics(blocks, "vtt")
    assert out == ("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nTom &amp; Jerry &lt;3 --&gt; ok\n\n"
                   "00:00:00.000 --> 00:00:01.500\nzweite\n\n00:01:01.000 --> 00:01:02.005\nb\n")
    back = parse_lyrics(out, "vtt", strict=True).blocks
    assert [(b.text, b.secondary, b.start_ms, b.end_ms) for b in back] == [
        ("Tom & Jerry <3 --> ok", "zweite", 0, 1500), ("b", "", 61_000, 62_005)]


def test_vtt_enhanced_export_writes_word_times():
    words = [WordTiming(1000, "Hel"), WordTiming(1500, "lo "), WordTiming(2000, "you")]
    out = format_lyrics([blk("Hello you", 1000, 3000, words=words)], "vtt", enhanced=True)
    assert "<00:00:01.000>Hel<00:00:01.500>lo <00:00:02.000>you" in out
    assert parse_lyrics(out, "vtt").blocks[0].words == words


def test_vtt_without_header_warns_and_bad_timing_is_reported(tmp_path):
    data = b"00:01.000 --> 00:02.000\none\n\n00:03.000 --> later\ntwo\n"
    lyrics = load(tmp_path, data, "a.vtt")
    assert spans(lyrics) == [("one", 1000, 2000)]
    assert [w.split(": ", 1)[1] for w in lyrics.warnings] == [
        "no WEBVTT header line; read as WebVTT anyway",
        "bad timing line; use 00:01.000 --> 00:04.000 (hours optional)"]
    with pytest.raises(FormatError, match=r"a\.vtt:4: bad timing line"):
        load(tmp_path, data, "a.vtt", strict=True)


def test_vtt_rolling_duplicate_cue_is_kept_once(tmp_path):
    data = b"WEBVTT\n\n00:01.000 --> 00:03.000\nsame\n\n00:01.000 --> 00:03.000\nsame\n\n00:03.000 --> 00:04.000\nnext\n"
    lyrics = load(tmp_path, data, "a.vtt")
    assert spans(lyrics) == [("same", 1000, 3000), ("next", 3000, 4000)]
    assert lyrics.warnings == [f"{tmp_path / 'a.vtt'}:6: same time and text as line 3; duplicate dropped"]


# --- ASS / SSA ------------------------------------------------------------------------------

AEGISUB = r"""[Script Info]
; Script generated by Aegisub 3.2.2
Title: Song
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,60,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,10,10,10,1
Style: Romaji,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,8,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,timing note: not shown
Dialogue: 0,0:00:01.00,0:00:04.00,Romaji,Singer,0,0,0,,{\an8\fad(200,200)}{\k50}Hel{\k30}lo {\kf40}world, {\K20}friend
Dialogue: 1,0:00:05.00,0:00:07.50,Default,,0,0,0,,Line one\NLine two {\i1}slanted{\i0}
Dialogue: 0,0:00:08.00,0:00:09.00,Default,,0,0,0,,{\p1}m 0 0 l 100 0 100 100{\p0}shape gone
""".replace("\n", "\r\n").encode()


def test_ass_overrides_removed_line_breaks_kept_comments_and_drawings_skipped(tmp_path):
    lyrics = load(tmp_path, AEGISUB, "song.ass")
    assert spans(lyrics) == [("Hello world, friend", 1000, 4000), ("Line one\nLine two slanted", 5000, 7500),
                             ("shape gone", 8000, 9000)]
    assert lyrics.warnings == []


def test_ass_karaoke_durations_are_word_times(tmp_path):
    words = load(tmp_path, AEGISUB, "song.ass").blocks[0].words
    assert words == [WordTiming(1000, "Hel"), WordTiming(1500, "lo "), WordTiming(1800, "world, "),
                     WordTiming(2200, "friend")]
    # ... which enhanced LRC then carries
    lrc = format_lyrics(load(tmp_path, AEGISUB, "song.ass").blocks, "lrc", enhanced=True)
    assert lrc.splitlines()[0] == "[00:01.00]<00:01.00>Hel<00:01.50>lo <00:01.80>world, <00:02.20>friend"


def test_ass_written_back_keeps_styles_layer_name_and_tags(tmp_path):
    lyrics = load(tmp_path, AEGISUB, "song.ass")
    out = format_lyrics(lyrics.blocks, "ass", source=lyrics)
    assert "PlayResX: 1920" in out and "Style: Romaji,Arial,48" in out
    assert ("Dialogue: 0,0:00:01.00,0:00:04.00,Romaji,Singer,0,0,0,,{\\an8\\fad(200,200)}{\\k50}Hel{\\k30}lo "
            "{\\kf40}world, {\\K20}friend") in out
    assert "Dialogue: 1,0:00:05.00,0:00:07.50,Default,,0,0,0,,Line one\\NLine two {\\i1}slanted{\\i0}" in out
    back = parse_lyrics(out, "ass", strict=True)
    assert spans(back) == spans(lyrics)


def test_ass_export_escapes_braces_and_writes_karaoke():
    words = [WordTiming(1000, "Hel"), WordTiming(1500, "lo")]
    out = format_lyrics([blk("a {b} c\nd", 0, 1000, secondary="zwei"), blk("Hello", 1000, 2000, words=words)],
                        "ass", enhanced=True)
    assert "Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,a \\{b\\} c\\Nd" in out
    assert "Dialogue: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,zwei" in out
    assert "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\k50}Hel{\\k50}lo" in out
    back = parse_lyrics(out, "ass", strict=True).blocks
    assert [(b.text, b.secondary, b.words) for b in back] == [("a {b} c\nd", "zwei", []), ("Hello", "", words)]


def test_ssa_v4_with_marked_field(tmp_path):
    data = (b"[Script Info]\nScriptType: v4.00\n\n[V4 Styles]\nFormat: Name, Fontname\nStyle: Default,Arial\n\n"
            b"[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
            b"Dialogue: Marked=0,0:00:01.50,0:00:03.00,Default,NTP,0000,0000,0000,!Effect,Hi, there\n")
    lyrics = load(tmp_path, data, "old.ssa")
    assert spans(lyrics) == [("Hi, there", 1500, 3000)]
    assert "Format: Marked, Start, End" in format_lyrics(lyrics.blocks, "ass", source=lyrics)


def test_aegisub_karaoke_templater_output_reads_the_originals(tmp_path):
    data = (b"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
            b"Comment: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,karaoke,{\\k100}Fly {\\k100}high\n"
            b"Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,fx,{\\pos(10,10)\\t(\\fscx120)}Fly\n"
            b"Dialogue: 0,0:00:02.00,0:00:03.00,Default,,0,0,0,fx,{\\pos(60,10)\\t(\\fscx120)}high\n")
    lyrics = load(tmp_path, data, "kara.ass")
    assert spans(lyrics) == [("Fly high", 1000, 3000)]
    assert lyrics.blocks[0].words == [WordTiming(1000, "Fly "), WordTiming(2000, "high")]


def test_ass_short_line_and_bad_time_warn_with_line_numbers(tmp_path):
    data = (b"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
            b"Dialogue: 0,0:00:01.00\nDialogue: 0,soon,0:00:02.00,Default,,0,0,0,,x\n"
            b"Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,kept\n")
    lyrics = load(tmp_path, data, "a.ass")
    assert spans(lyrics) == [("kept", 3000, 4000)]
    assert [w.split(": ", 1)[0].rsplit(":", 1)[1] for w in lyrics.warnings] == ["3", "4"]
    with pytest.raises(FormatError, match=r"a\.ass:3: Dialogue line has 2 fields"):
        load(tmp_path, data, "a.ass", strict=True)


def test_not_ass_is_a_clear_error(tmp_path):
    with pytest.raises(FormatError, match=r"a\.ass: no Dialogue lines found"):
        load(tmp_path, b"[Script Info]\nTitle: x\n", "a.ass")


# --- shared rules: duplicates, backwards word times -----------------------------------------


def test_identical_duplicate_lines_keep_one_block_with_a_warning(tmp_path):
    data = b"[00:01.00]same line\n[00:01.00]same line\n[00:01.00]translation\n[00:03.00]next\n"
    lyrics = load(tmp_path, data, "a.lrc")
    assert [(b.text, b.secondary) for b in lyrics.blocks] == [("same line", "translation"), ("next", "")]
    assert lyrics.warnings == [f"{tmp_path / 'a.lrc'}:2: same time and text as line 1; duplicate dropped"]
    assert format_lyrics(lyrics.blocks, "lrc").count("same line") == 1


def test_backwards_word_times_warn_with_the_line_number(tmp_path):
    data = b"[00:01.00]intro\n[00:05.00]<00:04.00>too <00:05.50>early <00:05.20>back\n[00:09.00]\n"
    lyrics = load(tmp_path, data, "a.lrc")
    assert lyrics.blocks[1].words == [WordTiming(5000, "too "), WordTiming(5500, "early "), WordTiming(5500, "back")]
    assert [w.split(": ", 1)[1] for w in lyrics.warnings] == [
        "word 'too' at 4000 ms is before the line's start (5000 ms); moved there",
        "word 'back' at 5200 ms is before the word before it (5500 ms); moved there"]
    assert all(w.split(": ", 1)[0].endswith(":2") for w in lyrics.warnings)


def test_format_table_drives_extensions_and_errors(tmp_path):
    for name in ("a.vtt", "a.ass", "a.ssa"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(FormatError, match="no (subtitle cues|Dialogue lines) found"):
            read_lyrics(tmp_path / name)
    with pytest.raises(FormatError, match=r"\.vtt, \.ass, \.ssa"):
        read_lyrics(tmp_path / "a.docx")
