"""`dreamreel analyze` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from audio_synth import click_track, stereo, write_wav
from dreamreel.core.cli.main import main


@pytest.fixture
def song(tmp_path):
    samples, truth = click_track(120, 10.0, 44100, offset_s=0.25)
    return write_wav(tmp_path / "song.wav", stereo(samples, samples), 44100), truth


def test_analyze_prints_a_summary(song, tmp_path, capsys):
    path, _ = song
    assert main(["analyze", str(path), "--cache-dir", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "duration:    00:10.000 (10.000 s)" in out
    assert "sample rate: 44100 Hz, stereo" in out
    assert "tempo:       120.0" in out or "tempo:       119.9" in out
    assert "beats:       20" in out
    assert "beats (s):   0.25" in out and out.rstrip().endswith("...")


def test_analyze_json_is_machine_readable(song, tmp_path, capsys):
    path, truth = song
    rc = main(["analyze", str(path), "--json", "--all-beats", "--cache-dir", str(tmp_path / "c")])
    assert rc == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["sample_rate"] == 44100 and facts["channels"] == 2
    assert facts["duration_s"] == pytest.approx(10.0, abs=0.001)
    assert facts["tempo_bpm"] == pytest.approx(120.0, abs=1.0)
    assert facts["n_beats"] == len(facts["beats_s"]) == len(truth)
    assert facts["n_onsets"] == len(truth)
    assert max(abs(a - b) for a, b in zip(facts["beats_s"], truth)) <= 0.03


def test_analyze_no_cache_leaves_no_files(song, tmp_path, capsys):
    path, _ = song
    cache = tmp_path / "c"
    assert main(["analyze", str(path), "--no-cache", "--cache-dir", str(cache)]) == 0
    assert not cache.exists()
    assert "tempo:" in capsys.readouterr().out


def test_bad_song_is_one_line_and_exit_2(tmp_path, capsys):
    fake = tmp_path / "song.mp3"
    fake.write_text("not audio at all\n")
    assert main(["analyze", str(fake), "--cache-dir", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith("dreamreel analyze: error: ")
    assert "song.mp3: not an audio file ffmpeg can read" in err
    assert main(["analyze", str(tmp_path / "missing.wav")]) == 2
    assert "not found" in capsys.readouterr().err
