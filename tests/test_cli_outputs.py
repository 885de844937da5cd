"""Outputs never replace inputs, and one overwrite policy (--force) for import, export and
render; output kinds are checked before work starts. All through the CLI as a subprocess."""

from __future__ import annotations

import os

import pytest

from cli_helpers import dreamreel, refused
from test_render_support import make_project


@pytest.fixture
def proj(tmp_path):
    make_project(tmp_path)
    return tmp_path / "p.dreamreel"


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_export_never_replaces_the_project_or_the_song(proj, tmp_path):
    before = _snapshot(tmp_path)
    refused(dreamreel("export", proj, "--format", "lrc", "-o", proj, "--force"), "is the project")
    refused(dreamreel("export", proj, "--format", "lrc", "-o", tmp_path / "song.wav", "--force"), "is the song")
    os.link(proj, tmp_path / "hard.lrc")  # a hard link is the same file under another name
    refused(dreamreel("export", proj, "--format", "lrc", "-o", tmp_path / "hard.lrc", "--force"), "is the project")
    os.unlink(tmp_path / "hard.lrc")
    refused(dreamreel("export", proj, "--format", "lrc", "-o", tmp_path / "other.dreamreel"), "not a project")
    assert _snapshot(tmp_path) == before


def test_export_replaces_an_existing_file_only_with_force(proj, tmp_path):
    out = tmp_path / "words.lrc"
    out.write_text("precious")
    refused(dreamreel("export", proj, "--format", "lrc", "-o", out), "already exists", "--force")
    assert out.read_text() == "precious"
    r = dreamreel("export", proj, "--format", "lrc", "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    assert "red fire" in out.read_text()


def test_render_refuses_a_song_project_or_non_video_output_before_rendering(proj, tmp_path):
    before = _snapshot(tmp_path)
    refused(dreamreel("render", proj, "-o", tmp_path / "song.m4a", "--force"), "not a .m4a file", ".mp4")
    refused(dreamreel("render", proj, "-o", proj, "--force"), "not a project file")
    os.link(tmp_path / "song.wav", tmp_path / "song.mp4")  # the song under a video name
    refused(dreamreel("render", proj, "-o", tmp_path / "song.mp4", "--force"), "is the song")
    os.symlink(proj, tmp_path / "proj.mp4")
    refused(dreamreel("render", proj, "-o", tmp_path / "proj.mp4", "--force"), "is the project")
    refused(dreamreel("render", proj, "-o", tmp_path / "p.dreamreel-cache" / "v.mp4"), "keyframe cache")
    refused(dreamreel("render", proj, "--png-dir", tmp_path, "--force"), "--png-dir")
    os.unlink(tmp_path / "song.mp4")
    os.unlink(tmp_path / "proj.mp4")
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "p.dreamreel-cache").exists()  # refused before any work


def test_render_replaces_an_existing_video_only_with_force(proj, tmp_path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"an earlier video")
    refused(dreamreel("render", proj, "-o", out, "--quiet"), "already exists", "--force")
    assert out.read_bytes() == b"an earlier video"
    assert not (tmp_path / "p.dreamreel-cache").exists()
    r = dreamreel("render", proj, "-o", out, "--quiet", "--force")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[4:8] == b"ftyp"


def test_render_png_dir_with_frames_needs_force(proj, tmp_path):
    pngs = tmp_path / "pngs"
    assert dreamreel("render", proj, "--png-dir", pngs, "--quiet").returncode == 0
    refused(dreamreel("render", proj, "--png-dir", pngs, "--quiet"), "--force")
    assert dreamreel("render", proj, "--png-dir", pngs, "--quiet", "--force").returncode == 0


def test_import_never_replaces_its_lyrics_or_song(tmp_path):
    make_project(tmp_path)
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[00:00.50]hello\n[00:01.50]world\n")
    before = _snapshot(tmp_path)
    refused(dreamreel("import", lrc, "-o", lrc, "--force"), "must end in .dreamreel")
    refused(dreamreel("import", lrc, "--audio", tmp_path / "song.wav", "-o", tmp_path / "song.wav", "--force"),
            "must end in .dreamreel")
    os.symlink(tmp_path / "song.wav", tmp_path / "s.dreamreel")
    refused(dreamreel("import", lrc, "--audio", tmp_path / "song.wav", "-o", tmp_path / "s.dreamreel", "--force"),
            "is the song")
    (tmp_path / "l.dreamreel").write_bytes(lrc.read_bytes())
    refused(dreamreel("import", tmp_path / "l.dreamreel", "--format", "lrc", "-o", tmp_path / "l.dreamreel",
                      "--force"), "is the lyrics file")
    os.unlink(tmp_path / "s.dreamreel")
    (tmp_path / "l.dreamreel").unlink()
    assert _snapshot(tmp_path) == before
    refused(dreamreel("import", lrc, "-o", tmp_path / "p.dreamreel"), "already exists", "--force")
    assert _snapshot(tmp_path) == before
