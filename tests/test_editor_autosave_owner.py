"""An autosave belongs to the editor instance that writes it (a lock file with its PID beside
it): a second instance never offers to recover the autosave of one still running; once that
one is gone (crashed, killed), its autosave is offered. Through the full main window; the
other instance is a real second process writing through the same autosave code."""

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QMessageBox

from dreamreel.core.project import load_project
from dreamreel.editor.document import autosave
from editor_conftest_helpers import close_window, make_project_file

# The other instance: autosaves (an untitled project, or the project named in argv[1]) as its
# Autosaver does, says so, then waits until the test closes its stdin and ends WITHOUT tidying
# up, as a crashed or killed editor does.
OTHER = textwrap.dedent("""
    import os, sys
    from dreamreel.core.project import Block, Project, load_project
    from dreamreel.editor.document.autosave import write_autosave
    if len(sys.argv) > 1:
        project = load_project(sys.argv[1])
        project.blocks[0].text = "edited in the other instance"
    else:
        project = Project(blocks=[Block("The other instance's lyric", 0, 3000, id="o")])
    print(write_autosave(project), flush=True)
    sys.stdin.read()
    os._exit(0)
""")


@pytest.fixture
def other_instance():
    started = []

    def start(*args):
        p = subprocess.Popen([sys.executable, "-c", OTHER, *map(str, args)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        started.append(p)
        line = p.stdout.readline().strip()
        assert line, "the other instance wrote no autosave"
        from pathlib import Path

        return p, Path(line)

    yield start
    for p in started:
        if p.poll() is None:
            p.stdin.close()
            p.wait(timeout=60)


def end(process):
    process.stdin.close()
    assert process.wait(timeout=60) == 0


def answer(monkeypatch, reply):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or reply)
    return asked


@pytest.fixture
def window(qtbot):
    for old in autosave.autosave_dir().glob("untitled-*"):
        old.unlink()  # the autosave folder is shared by the whole test session
    from dreamreel.editor.window.main_window import MainWindow

    w = MainWindow(use_audio=False, render=False)
    yield w
    close_window(w)


def test_a_running_instance_untitled_autosave_is_never_offered(window, other_instance, monkeypatch):
    asked = answer(monkeypatch, QMessageBox.Yes)
    process, written = other_instance()
    assert autosave.lock_path(written).read_text().strip() == str(process.pid)
    assert not window.offer_untitled_recovery()
    assert asked == [] and written.exists()  # not offered, and not deleted either
    end(process)  # the other instance is gone without saving: now it is a recovery
    assert window.offer_untitled_recovery()
    assert len(asked) == 1 and "untitled project" in asked[0]
    assert [b.text for b in window.document.project.blocks] == ["The other instance's lyric"]
    assert not written.exists() and not autosave.lock_path(written).exists()  # adopted: ours now
    mine = autosave.autosave_path(None)
    assert autosave.lock_path(mine).read_text().strip() == str(os.getpid())
    window.document.stack.setClean()
    window.autosaver.forget()
    assert not mine.exists() and not autosave.lock_path(mine).exists()


def test_a_running_instance_autosave_of_a_project_is_never_offered(window, tmp_path, other_instance, monkeypatch):
    path = make_project_file(tmp_path)
    process, written = other_instance(path)
    mtime = path.stat().st_mtime - 60
    os.utime(path, (mtime, mtime))  # the autosave is newer than the file
    asked = answer(monkeypatch, QMessageBox.Yes)
    assert window.open_path(path)  # as File > Open does: a newer autosave would be offered
    assert asked == [] and written.exists()
    assert window.document.project.blocks[0].text == "One lighthouse"
    end(process)
    assert window.open_path(path)
    assert len(asked) == 1 and "newer than the file" in asked[0]
    assert window.document.project.blocks[0].text == "edited in the other instance"
    assert window.document.modified
    assert load_project(path).blocks[0].text == "One lighthouse"  # the file itself untouched
    window.document.stack.setClean()
    window.autosaver.forget()


def test_a_dead_pid_or_a_missing_lock_is_offered(window, monkeypatch, tmp_path):
    from dreamreel.core.project import Block, Project

    asked = answer(monkeypatch, QMessageBox.No)
    written = autosave.write_autosave(Project(blocks=[Block("left behind", 0, 1000, id="x")]))
    crashed = written.with_name("untitled-crashed1.dreamreel")
    os.replace(written, crashed)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    autosave.lock_path(crashed).write_text(gone.stdout)
    autosave._remove(autosave.lock_path(written))
    assert not window.offer_untitled_recovery()  # offered (answered No): deleted with its lock
    assert len(asked) == 1 and not crashed.exists() and not autosave.lock_path(crashed).exists()
