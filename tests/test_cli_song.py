"""The song is part of the project's truth (CLI as a subprocess): a changed song gets one line,
its analysis is redone and the video stops at its end; a missing song makes render refuse
(exit 2, naming it) unless --audio relinks or --no-audio renders silently; `dreamreel relink`."""

from __future__ import annotations

import hashlib

import pytest

from audio_synth import click_track, write_wav
from cli_helpers import dreamreel, refused
from dreamreel.core.audio import default_cache_dir
from dreamreel.core.export import probe
from dreamreel.core.project import load_project, save_project

LRC = "[00:00.50]red fire\n[00:02.00]ocean blue\n[00:04.50]golden forest\n"
SMALL = ["--quiet", "--fps", "8", "--size", "32x32"]


def _song(path, seconds, bpm=120.0):
    samples, _ = click_track(bpm, seconds, 22050)
    write_wav(path, samples, 22050)
    return path


@pytest.fixture
def proj(tmp_path):
    _song(tmp_path / "song.wav", 6.0)
    (tmp_path / "words.lrc").write_text(LRC)
    r = dreamreel("import", tmp_path / "words.lrc", "--audio", tmp_path / "song.wav", "-o", tmp_path / "p.dreamreel")
    assert r.returncode == 0, r.stderr
    p = load_project(tmp_path / "p.dreamreel")
    p.render.music.pulse = 0.5  # a music drive: the render needs the song's analysis
    save_project(p, tmp_path / "p.dreamreel")
    return tmp_path / "p.dreamreel"


def _song_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if "dreamreel render: song" in ln]


def test_a_changed_song_is_named_reanalysed_and_the_video_stops_at_its_end(proj, tmp_path):
    old_sha = hashlib.sha256((tmp_path / "song.wav").read_bytes()).hexdigest()
    r = dreamreel("render", proj, "-o", tmp_path / "a.mp4", *SMALL)
    assert r.returncode == 0 and not _song_lines(r.stderr), r.stderr
    _song(tmp_path / "song.wav", 3.0, bpm=90.0)  # another, shorter mix under the same name
    new_sha = hashlib.sha256((tmp_path / "song.wav").read_bytes()).hexdigest()
    r = dreamreel("info", proj)
    assert "(CHANGED: different content; length 6.00 s -> 3.00 s)" in r.stdout
    r = dreamreel("render", proj, "-o", tmp_path / "b.mp4", *SMALL)
    assert r.returncode == 0, r.stderr
    lines = _song_lines(r.stderr)
    assert len(lines) == 1 and "song.wav changed since the project was saved" in lines[0]
    assert "length 6.00 s -> 3.00 s" in lines[0] and "2 block(s) end past its end" in lines[0]
    assert "first 'ocean blue'" in lines[0]
    info = probe(tmp_path / "b.mp4")
    assert info.has_audio and info.duration_s <= 3.0 + 0.05 and info.duration_s > 2.5
    assert not (tmp_path / "p.dreamreel-cache" / "analysis").exists()  # one analysis cache: the user's
    analyses = [p.name for p in default_cache_dir().iterdir() if ".analysis." in p.name]
    assert any(name.startswith(new_sha[:32]) for name in analyses)
    assert any(name.startswith(old_sha[:32]) for name in analyses)


def test_a_missing_song_refuses_unless_relinked_or_silent_on_purpose(proj, tmp_path):
    (tmp_path / "song.wav").rename(tmp_path / "moved.wav")
    for argv in (["-o", tmp_path / "v.mp4"], ["--dry-run"], ["--png-dir", tmp_path / "pngs"]):
        refused(dreamreel("render", proj, *argv, *SMALL), "song.wav is missing", "--audio", "--no-audio")
    assert not (tmp_path / "v.mp4").exists() and not (tmp_path / "pngs").exists()
    r = dreamreel("render", proj, "-o", tmp_path / "silent.mp4", "--no-audio", *SMALL)
    assert r.returncode == 0 and "rendering without sound" in r.stderr, r.stderr
    assert not probe(tmp_path / "silent.mp4").has_audio
    r = dreamreel("render", proj, "-o", tmp_path / "v.mp4", "--audio", tmp_path / "moved.wav", *SMALL)
    assert r.returncode == 0, r.stderr
    assert "relinked p.dreamreel" in r.stderr and probe(tmp_path / "v.mp4").has_audio
    assert load_project(proj).audio_path() == tmp_path / "moved.wav"  # the relink is saved


def test_relink_command_and_a_song_too_short_for_the_blocks(proj, tmp_path):
    _song(tmp_path / "remaster.wav", 6.5, bpm=100.0)
    r = dreamreel("relink", proj, tmp_path / "remaster.wav")
    assert r.returncode == 0 and "relinked p.dreamreel: song" in r.stderr, r.stderr
    p = load_project(proj)
    assert p.audio_path() == tmp_path / "remaster.wav" and p.audio.duration_ms == 6500
    assert p.audio.sha256 == hashlib.sha256((tmp_path / "remaster.wav").read_bytes()).hexdigest()
    before = proj.read_bytes()
    _song(tmp_path / "short.wav", 1.0)
    refused(dreamreel("relink", proj, tmp_path / "short.wav"), "not relinked", "red fire")
    refused(dreamreel("relink", proj, tmp_path / "nope.wav"), "nope.wav")
    assert proj.read_bytes() == before
    refused(dreamreel("render", proj, "--audio", tmp_path / "remaster.wav", "--no-audio", "--dry-run"), "one of them")
