"""`dreamreel-editor --help` / `--version` print and exit without opening the window; a bad
option is refused with one line. Run as the user does: a subprocess.

The subprocess gets a Qt platform that does not exist: had it started the GUI, Qt would abort
at once (exit != 0) instead of the window waiting for a user."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_GUI = dict(os.environ, QT_QPA_PLATFORM="no-such-platform")


def editor(*args, tmp_path):
    script = Path(sys.executable).with_name("dreamreel-editor")  # the installed gui-script
    command = [str(script)] if script.exists() else [sys.executable, "-m", "dreamreel.editor.app"]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=120, env=NO_GUI,
                          cwd=tmp_path)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_exits(flag, tmp_path):
    r = editor(flag, tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("usage: dreamreel-editor") and "--version" in r.stdout and "project" in r.stdout
    assert r.stderr == ""


def test_version_prints_and_exits(tmp_path):
    from importlib.metadata import version

    r = editor("--version", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == f"dreamreel-editor {version('dreamreel')}"


def test_an_unknown_option_is_refused_with_one_line(tmp_path):
    r = editor("--hlep", tmp_path=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == "dreamreel-editor: error: unrecognized arguments: --hlep"


@pytest.mark.parametrize("args, line", [
    (["--audio", "missing.ogg"], "dreamreel-editor: error: --audio missing.ogg: no such file"),
    (["--audio", "song.ogg", "--lyrics", "nope.lrc"], "dreamreel-editor: error: --lyrics nope.lrc: no such file"),
    (["x.dreamreel", "--audio", "song.ogg"],
     "dreamreel-editor: error: give a project, or --audio/--lyrics for a new one, not both"),
])
def test_bad_audio_and_lyrics_arguments_are_one_line(args, line, tmp_path):
    (tmp_path / "song.ogg").write_bytes(b"")
    r = editor(*args, tmp_path=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == line


def test_audio_and_lyrics_arguments_start_a_timed_project(qtbot, tmp_path):
    """`dreamreel-editor --audio SONG --lyrics FILE`: the window main() builds gets a new
    project on the song with the lyrics' blocks, and the view shows the whole song."""
    from dreamreel.editor.app import build_parser, check_arguments, open_at_start
    from dreamreel.editor.window.main_window import MainWindow
    from editor_conftest_helpers import EXAMPLES, close_window

    parser = build_parser()
    args = parser.parse_args(["--audio", str(EXAMPLES / "song.ogg"), "--lyrics", str(EXAMPLES / "lyrics.lrc")])
    check_arguments(parser, args)
    window = MainWindow(use_audio=False, render=False)
    try:
        open_at_start(window, [], audio=args.audio, lyrics=args.lyrics)
        project = window.document.project
        qtbot.waitUntil(lambda: project.audio is not None and len(project.blocks) > 0, timeout=60_000)
        assert project.path is None and project.audio_path() == (EXAMPLES / "song.ogg").resolve()
        assert project.blocks[0].text and project.blocks[-1].end_ms <= project.duration_ms
        lo, hi = window.timeline.vb.viewRange()[0]
        assert lo <= 0.5 and hi >= project.duration_ms / 1000 - 0.5  # fitted to the song
    finally:
        close_window(window)
