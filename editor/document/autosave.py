"""Autosave and recovery.

Every minute, a modified project is written (atomically, by core `save_project`) to
`<user data>/dreamreel/autosave/<name>-<hash of its path>.dreamreel`. The project itself keeps
its path: we save a shallow copy. When a project is opened and its autosave is newer than the
file, the editor offers to recover it. A successful save or a clean close removes the autosave.

An untitled project's autosave is named for the editor session that wrote it. When the editor
starts without a project, the newest untitled autosave of another session (less than a week
old) is offered back; a recovered one is adopted (renamed to this session's name), so saving or
discarding the project removes it as usual.

An autosave belongs to the editor instance that writes it: beside it, `<autosave>.lock` holds
that process's PID. An autosave whose writer is still running (another editor open on it) is
never offered for recovery, untitled or not; one whose writer is gone (crashed, killed) is.
An autosave without a lock (written before locks existed) is offered as before.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import Project, load_project, save_project

INTERVAL_MS = 60_000
UNTITLED_MAX_AGE_S = 7 * 24 * 3600  # older untitled autosaves are not offered back
_SESSION = uuid.uuid4().hex[:8]  # names the autosave of a project that was never saved


def autosave_dir() -> Path:
    from dreamreel.core.paths import data_dir

    return data_dir() / "autosave"


def autosave_path(project_path: Path | None) -> Path:
    """Where the autosave of the project at `project_path` (None: untitled) goes."""
    if project_path is None:
        return autosave_dir() / f"untitled-{_SESSION}.dreamreel"
    key = hashlib.sha1(str(Path(project_path).absolute()).encode()).hexdigest()[:10]
    return autosave_dir() / f"{Path(project_path).stem}-{key}.dreamreel"


def lock_path(autosave: Path) -> Path:
    return Path(autosave).with_name(Path(autosave).name + ".lock")


def _claim(autosave: Path) -> None:
    """Mark `autosave` as this process's (its lock file holds our PID)."""
    lock = lock_path(autosave)
    if _lock_pid(lock) != os.getpid():
        atomic_write_text(lock, f"{os.getpid()}\n")


def _lock_pid(lock: Path) -> int | None:
    try:
        return int(lock.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


def held_by_another(autosave: Path) -> bool:
    """True when a live process other than this one wrote `autosave` (its lock names it)."""
    pid = _lock_pid(lock_path(autosave))
    return pid is not None and pid != os.getpid() and pid_alive(pid)


def pid_alive(pid: int) -> bool:
    """Whether process `pid` is running (never signals it: on Windows os.kill(pid, 0) would)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    except OSError:
        return False
    return True


def write_autosave(project: Project) -> Path:
    """Save a copy of `project` to its autosave path; the project's own path is untouched."""
    target = autosave_path(project.path)
    shadow = dataclasses.replace(project, audio=copy.copy(project.audio))
    shadow.path = project.path  # so the audio path resolves from the real project folder
    save_project(shadow, target)
    _claim(target)
    return target


def newer_autosave(project_path: Path) -> Path | None:
    """The autosave of `project_path` when it exists and is newer than the project file."""
    candidate = autosave_path(project_path)
    try:
        if candidate.stat().st_mtime > Path(project_path).stat().st_mtime and not held_by_another(candidate):
            return candidate
    except OSError:
        return None
    return None


def load_recovered(autosave: Path, project_path: Path) -> Project:
    """Load an autosave as the project at `project_path` (audio path made absolute first)."""
    project = load_project(autosave)
    audio = project.audio_path()
    if audio is not None:
        project.audio.path = str(audio)
    project.path = Path(project_path).absolute()
    return project


def untitled_autosave(max_age_s: float = UNTITLED_MAX_AGE_S) -> Path | None:
    """The newest untitled autosave left by another editor session, when recent enough."""
    mine = autosave_path(None)
    newest, newest_mtime = None, time.time() - max_age_s
    try:
        candidates = list(autosave_dir().glob("untitled-*.dreamreel"))
    except OSError:
        return None
    for candidate in candidates:
        try:
            mtime = candidate.stat().st_mtime
        except OSError:
            continue
        if candidate != mine and mtime > newest_mtime and not held_by_another(candidate):
            newest, newest_mtime = candidate, mtime
    return newest


def adopt_untitled(autosave: Path) -> Project:
    """Load an untitled autosave as an unsaved project (no path, audio path absolute) and move
    the file to this session's untitled autosave name, which the session now keeps up to date."""
    project = load_project(autosave)
    audio = project.audio_path()
    if audio is not None:
        project.audio.path = os.path.abspath(audio)  # stored relative to the autosave folder
    project.path = None
    try:
        os.replace(autosave, autosave_path(None))
    except OSError:
        return project  # still recovered; the old file is offered again next time
    _remove(lock_path(autosave))
    _claim(autosave_path(None))
    return project


def discard_file(autosave: Path) -> None:
    """Remove one autosave file and its lock (the user declined to recover it)."""
    _remove(autosave)
    _remove(lock_path(autosave))


def discard(project_path: Path | None) -> None:
    """Remove the autosave of `project_path` (None: this session's untitled one), unless
    another live editor instance owns it."""
    target = autosave_path(project_path)
    if not held_by_another(target):
        discard_file(target)


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


class Autosaver(QObject):
    """Saves the document's project to the autosave folder every minute while it is modified."""

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, document, parent=None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.document = document
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        self._last_path = document.project.path
        document.projectReplaced.connect(self._on_project_replaced)

    def save_now(self) -> Path | None:
        if not self.document.modified:
            return None
        try:
            path = write_autosave(self.document.project)
        except (DreamreelError, OSError) as e:
            self.failed.emit(f"Autosave failed: {e}")
            return None
        self.saved.emit(str(path))
        return path

    def _on_project_replaced(self):
        self._last_path = self.document.project.path

    def forget(self, project_path: Path | None = None) -> None:
        """Remove the autosave (after a save, or when the user discards changes on close)."""
        discard(project_path if project_path is not None else self.document.project.path)
