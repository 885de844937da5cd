"""`dreamreel import/export` with the new formats, run as the user runs them: a subprocess on real files."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dreamreel.core.project import load_project

ASS = (b"[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
       b"Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
       b"Dialogue: 0,0:00:01.00,0:00:04.00,Default,,0,0,0,,{\\k50}Hel{\\k50}lo {\\i1}you{\\i0}\n"
       b"Dialogue: 0,0:00:04.00,0:02:20.00,Default,,0,0,0,,Long one\\Nsecond line\n")


def dreamreel(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dreamreel.core.cli.main", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_import_ass_export_vtt_csv_classic_and_back(tmp_path):
    (tmp_path / "song.ass").write_bytes(ASS)
    proj = tmp_path / "p.dreamreel"
    r = dreamreel("import", tmp_path / "song.ass", "-o", proj)
    assert r.returncode == 0, r.stderr
    blocks = load_project(proj).blocks
    assert [(b.text, b.start_ms, b.end_ms) for b in blocks] == [("Hello you", 1000, 4000),
                                                                 ("Long one\nsecond line", 4000, 140_000)]
    r = dreamreel("export", proj, "--format", "vtt", "-o", tmp_path / "out.vtt")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.vtt").read_text().startswith("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHello you\n")
    r = dreamreel("export", proj, "--format", "csv", "--classic")
    assert r.returncode == 0 and r.stdout == '"Hello you",1\n"Long one\nsecond line",4\n"",140\n'
    (tmp_path / "c.csv").write_text(r.stdout)
    r = dreamreel("import", tmp_path / "c.csv", "--format", "csv", "-o", tmp_path / "q.dreamreel")
    assert r.returncode == 0, r.stderr
    assert [b.end_ms for b in load_project(tmp_path / "q.dreamreel").blocks] == [4000, 140_000]
    r = dreamreel("export", proj, "--format", "ass", "--enhanced")
    assert "{\\k50}Hel{\\k250}lo you" in r.stdout and "Long one\\Nsecond line" in r.stdout


def test_semicolon_csv_import_reports_the_delimiter_in_one_line(tmp_path):
    (tmp_path / "s.csv").write_bytes(b"Prompt;Seconds\nDawn;0\nDusk;12,5\n")
    r = dreamreel("import", tmp_path / "s.csv", "-o", tmp_path / "p.dreamreel")
    assert r.returncode == 0, r.stderr
    assert r.stderr == f"warning: {tmp_path / 's.csv'}: read as semicolon-separated CSV with decimal commas\n"
    assert [b.start_ms for b in load_project(tmp_path / "p.dreamreel").blocks] == [0, 12_500]


@pytest.mark.parametrize("args, message", [
    (["--format", "vtt", "--classic"], "--classic is for csv export, not vtt; leave it out"),
    (["--format", "srt", "--enhanced"], "--enhanced is for lrc, vtt, ass export, not srt; leave it out"),
    (["--format", "docx"], "invalid choice: 'docx'"),
])
def test_export_option_not_for_the_format_is_one_line_exit_2(tmp_path, args, message):
    (tmp_path / "song.ass").write_bytes(ASS)
    proj = tmp_path / "p.dreamreel"
    assert dreamreel("import", tmp_path / "song.ass", "-o", proj).returncode == 0
    r = dreamreel("export", proj, *args, "-o", tmp_path / "x.out")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.out").exists()


def test_bad_vtt_is_one_line_exit_2_nothing_written(tmp_path):
    (tmp_path / "a.vtt").write_bytes(b"WEBVTT\n\nNOTE nothing here\n")
    r = dreamreel("import", tmp_path / "a.vtt", "-o", tmp_path / "p.dreamreel")
    assert r.returncode == 2 and "a.vtt: no subtitle cues found" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.dreamreel").exists()
