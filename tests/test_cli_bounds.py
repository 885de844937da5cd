"""Bounded inputs: absurd times, negative durations, deep nesting and huge numbers are refused
with one line at load or import (never a traceback, never minutes of work); every number an
import writes loads again; song names with colons reach ffmpeg as files. CLI as a subprocess."""

from __future__ import annotations

import json
import shutil

import pytest

from cli_helpers import dreamreel, refused
from dreamreel.core.export import probe
from dreamreel.core.project import load_project, project_to_dict
from test_render_support import make_project


def _write(path, data):
    text = json.dumps(data) if not isinstance(data, str) else data
    path.write_text(text.replace('"__HUGE__"', "9" * 5000))  # an integer too long for int()
    return path


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["audio"].update(duration_ms=100_000_000_000), "audio.duration_ms: 100000000000 ms is beyond 24 hours"),
    (lambda d: d["audio"].update(duration_ms=-5000), "audio.duration_ms: -5000 ms is negative"),
    (lambda d: (d.update(audio=None), d["blocks"][2].update(end_ms=6_000_000_000)), "blocks[2].end_ms"),
    (lambda d: d["blocks"][1].update(start_ms=2000, end_ms=1500), "blocks[1].end_ms: 1500 is before start_ms"),
    (lambda d: d["blocks"][0].update(text="fire:" + "9" * 400), "blocks[0].text: weight"),
    (lambda d: d["style"]["phrases"].append({"text": "oil", "weight": int("9" * 400)}), "style.phrases[0].weight"),
    (lambda d: d["blocks"][0].update(seed="__HUGE__"), "not a usable project"),
    (lambda d: d["render"].update(width=1_000_000), "width/height"),
])
def test_absurd_numbers_are_refused_at_load(tmp_path, mutate, needle):
    data = project_to_dict(make_project(tmp_path))
    mutate(data)
    bad = _write(tmp_path / "bad.dreamreel", data)
    for argv in (["info", bad], ["render", bad, "--dry-run"], ["export", bad, "--format", "srt"]):
        refused(dreamreel(*argv), needle, "bad.dreamreel")


@pytest.mark.parametrize("depth", [40, 200_000])
def test_deeply_nested_json_is_one_line(tmp_path, depth):
    bad = _write(tmp_path / "deep.dreamreel", '{"format_version": 1, "blocks": ' + "[" * depth + "]" * depth + "}")
    refused(dreamreel("info", bad), "levels deep", "deep.dreamreel")
    refused(dreamreel("render", bad, "-o", tmp_path / "v.mp4"), "levels deep")


def test_deep_json_opens_in_the_editor_as_one_alert(tmp_path, qtbot, monkeypatch):
    from dreamreel.editor.window.main_window import MainWindow

    bad = _write(tmp_path / "deep.dreamreel", '{"format_version": 1, "blocks": ' + "[" * 100_000 + "]" * 100_000 + "}")
    window = MainWindow(use_audio=False)
    qtbot.addWidget(window)
    alerts = []
    monkeypatch.setattr(window, "alert", lambda title, text: alerts.append(text))
    assert window.open_path(bad, offer_recovery=False) is False
    assert len(alerts) == 1 and "levels deep" in alerts[0] and "\n" not in alerts[0]


def test_import_of_a_typo_time_without_audio_is_refused(tmp_path):
    lrc = tmp_path / "typo.lrc"
    lrc.write_text("[00:01.00]one\n[99999:00.00]two\n")
    out = tmp_path / "p.dreamreel"
    refused(dreamreel("import", lrc, "-o", out), "typo.lrc", "beyond 24 hours")
    assert not out.exists()


@pytest.mark.parametrize("weight", ["1e999", "9" * 400, "1e300"])
def test_import_writes_only_numbers_that_load(tmp_path, weight):
    csv = tmp_path / "shots.csv"
    csv.write_text(f"text,start,style\nlighthouse,0,oil painting:{weight}\nwaves,2,\n")
    out = tmp_path / "p.dreamreel"
    refused(dreamreel("import", csv, "-o", out), "shots.csv", "weight")
    assert not out.exists()
    csv.write_text("text,start,style\nlighthouse,0,oil painting:2.5\nwaves,2,\n")
    r = dreamreel("import", csv, "-o", out)
    assert r.returncode == 0, r.stderr
    assert load_project(out).blocks[0].style.phrases[0].weight == 2.5


def test_a_song_name_with_a_colon_reaches_ffmpeg_as_a_file(tmp_path):
    make_project(tmp_path)
    shutil.move(tmp_path / "song.wav", tmp_path / "my:song.wav")
    lrc = tmp_path / "words.lrc"
    lrc.write_text("[00:00.20]red fire\n[00:01.50]blue ocean\n")
    r = dreamreel("import", "words.lrc", "--audio", "my:song.wav", "-o", "c.dreamreel", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert load_project(tmp_path / "c.dreamreel").audio.duration_ms == 3000
    r = dreamreel("render", "c.dreamreel", "-o", "my:video.mp4", "--quiet", "--fps", "8", "--size", "32x32",
                  cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    info = probe(tmp_path / "my:video.mp4")
    assert info.has_audio and abs(info.duration_s - 3.0) < 0.2
