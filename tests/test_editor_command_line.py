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
