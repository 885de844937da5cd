"""The File menu's slots of the main window: new, open, save, import and export, recent files.

Mixed into `MainWindow`; expects `self.document`, `self.settings`, `self.audio_importer`,
`self.render_controller`, `self.recent_menu`, `self.run`, `self.alert` and `self.show_error`.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from dreamreel.core.commands import SetAudio
from dreamreel.core.errors import DreamreelError
from dreamreel.core.formats import EXTENSIONS, TABLE
from dreamreel.core.project import Project, load_project
from dreamreel.editor.document.autosave import (adopt_untitled, discard, discard_file, load_recovered, newer_autosave,
                                       untitled_autosave)

AUDIO_SUFFIXES = {".mp3", ".wav", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".opus", ".aiff", ".aif"}
LYRICS_SUFFIXES = set(EXTENSIONS)
FILTERS = {name: f.dialog_filter for name, f in TABLE.items()}  # from the one format table
PROJECT_FILTER = "Dreamreel project (*.dreamreel)"
MAX_RECENT = 8


class FileSlots:
    """New/Open/Save/Import/Export slots (mixed into MainWindow)."""

    # --- File ------------------------------------------------------------------------------

    def new_project(self):
        if self._maybe_save():
            self.document.set_project(Project())

    def open_dialog(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), PROJECT_FILTER)
        if path and self._maybe_save():
            self.open_path(path)

    def open_path(self, path, *, offer_recovery: bool = True) -> bool:
        """Open a project file; offers to recover a newer autosave of it."""
        path = Path(path).absolute()
        try:
            project = load_project(path)
        except DreamreelError as e:
            self.alert("Cannot open project", str(e))
            return False
        recovered = False
        autosave = newer_autosave(path) if offer_recovery else None
        if autosave is not None:
            answer = QMessageBox.question(
                self, "Recover unsaved changes?",
                f"An autosave of {path.name} is newer than the file. Recover it?",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
            if answer == QMessageBox.Yes:
                try:
                    project, recovered = load_recovered(autosave, path), True
                except DreamreelError as e:
                    self.alert("Cannot recover autosave", str(e))
            else:
                discard(path)
        self.document.set_project(project, modified=recovered)
        self._add_recent(path)
        self.statusBar().showMessage(f"Recovered autosave of {path.name}" if recovered else f"Opened {path}", 6000)
        return True

    def offer_untitled_recovery(self) -> bool:
        """At startup without a project: offer back an untitled project a previous session
        autosaved (it ended without saving). Yes opens it unsaved; No deletes the autosave.
        True when a project was recovered."""
        autosave = untitled_autosave()
        if autosave is None:
            return False
        when = time.strftime("%a %d %b %H:%M", time.localtime(autosave.stat().st_mtime))
        answer = QMessageBox.question(
            self, "Recover unsaved project?",
            f"An untitled project was not saved when Dreamreel last closed (autosaved {when}). Recover it?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer != QMessageBox.Yes:
            discard_file(autosave)
            return False
        try:
            project = adopt_untitled(autosave)
        except DreamreelError as e:
            self.alert("Cannot recover autosave", f"{autosave}: {e}")
            return False
        self.document.set_project(project, modified=True)
        self.statusBar().showMessage("Recovered an unsaved project; save it to keep it", 8000)
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project", self._last_dir(), PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(".dreamreel"):
            path += ".dreamreel"
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        old = self.document.path
        try:
            self.document.save(path)
        except (DreamreelError, OSError) as e:
            self.alert("Cannot save project", f"{path}: {e}")
            return False
        discard(old)
        discard(self.document.path)
        self.setWindowTitle(f"{self.document.display_name()}[*] — Dreamreel")
        self._add_recent(self.document.path)
        self.statusBar().showMessage(f"Saved {self.document.path}", 5000)
        return True

    def import_audio_dialog(self):
        filt = "Audio (" + " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES)) + ")"
        path, _ = QFileDialog.getOpenFileName(self, "Import audio", self._last_dir(), filt)
        if path:
            self.import_audio(path)

    def locate_song_dialog(self):
        """Point the project at its (moved, renamed or re-mixed) song: an undoable SetAudio."""
        old = self.document.project.audio_path()
        filt = "Audio (" + " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES)) + ")"
        start = str(old.parent) if old is not None and old.parent.is_dir() else self._last_dir()
        path, _ = QFileDialog.getOpenFileName(self, f"Locate song{f' ({old.name})' if old else ''}", start, filt)
        if path:
            self.import_audio(path)

    def import_audio(self, path) -> bool:
        """Start importing a song (probe + hash in a worker); SetAudio follows when it is in."""
        if not self.audio_importer.start(path):
            self.show_error("A song is already being imported; wait for it to finish")
            return False
        return True

    def _on_audio_imported(self, path: str, ref):
        if self.run(SetAudio(audio=ref)):
            self.statusBar().showMessage(f"Imported {Path(path).name}", 6000)

    def _on_audio_import_busy_changed(self, busy: bool):
        self.import_label.setText("Importing song…" if busy else "")
        self.import_bar.setVisible(busy)

    def import_lyrics_dialog(self, fmt: str):
        path, _ = QFileDialog.getOpenFileName(self, "Import lyrics", self._last_dir(), FILTERS.get(fmt, ""))
        if path and self.may_replace_blocks(path):
            self.import_lyrics(path, fmt)

    def may_replace_blocks(self, path) -> bool:
        """Importing lyrics replaces the blocks: with blocks there, ask Replace / Cancel first
        (undo would bring them back, but a drop should not surprise)."""
        n = len(self.document.project.blocks)
        if not n:
            return True
        answer = QMessageBox.question(
            self, "Replace the blocks?",
            f"Replace the {n} block{'s' if n != 1 else ''} of this project with the lines of {Path(path).name}?",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Yes

    def import_lyrics(self, path, fmt: str | None = None) -> bool:
        """Replace the blocks with a lyrics file's (one undo step); warnings shown once."""
        from dreamreel.core.interchange import lyrics_commands

        try:
            commands, warnings = lyrics_commands(self.document.project, path, fmt=fmt)
            self.document.execute_many("Import lyrics", commands)
        except DreamreelError as e:
            self.alert("Cannot import lyrics", str(e))
            return False
        if warnings:
            self.alert("Imported with warnings", f"{Path(path).name}: {len(warnings)} line(s) needed fixing.",
                       "\n".join(warnings), QMessageBox.Information)
        else:
            self.statusBar().showMessage(f"Imported {len(self.document.project.blocks)} blocks from {Path(path).name}", 6000)
        return True

    def export_lyrics_dialog(self, fmt: str):
        path, _ = QFileDialog.getSaveFileName(self, "Export lyrics", self._last_dir(), FILTERS.get(fmt, ""))
        if not path:
            return
        from dreamreel.core.interchange import export_lyrics

        try:
            export_lyrics(self.document.project, path, fmt)
        except (DreamreelError, OSError) as e:
            self.alert("Cannot export lyrics", str(e))
            return
        self.statusBar().showMessage(f"Exported {path}", 5000)

    def export_video(self):
        """File > Export video: the dialog collects the choices; the export then runs in the
        background with its progress in the status bar (the window stays usable)."""
        dialog = export_dialog_class()(self.document.project, self, controller=self.render_controller,
                                       selection=self.document.selection_span())
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.exportRequested.connect(lambda request, d=dialog: self.start_export(request, d))
        self._export_dialog = dialog  # window-modal while choosing, no nested event loop
        dialog.setWindowModality(Qt.WindowModal)
        dialog.show()

    def start_export(self, request, dialog=None) -> bool:
        """Start the export `request` (an ExportDialog's choices) on the one render runner, on a
        snapshot of the project taken now (edits made meanwhile do not reach it); closes the
        dialog, or shows there why not."""
        rc = self.render_controller
        problem = None
        if rc is None:
            problem = "This window has no renderer; export from the command line (dreamreel render -o)."
        elif rc.is_exporting():
            problem = "An export is already running; wait for it or cancel it in the status bar."
        elif rc.is_busy():
            problem = "A render is running in the main window; cancel it or wait for it, then export."
        if problem is None and not rc.start_export(self.document.project, request.out_path, settings=request.settings,
                                                   t_range=request.t_range, burn_lyrics=request.burn_lyrics,
                                                   crf=request.crf):
            problem = "A render is running in the main window; cancel it or wait for it, then export."
        if problem is not None:
            if dialog is not None:
                dialog.show_error(problem)
            else:
                self.show_error(problem)
            return False
        self.export_progress.started(request.out_path, request.settings.engine)
        if dialog is not None:
            dialog.accept()
        return True

    def _last_dir(self) -> str:
        return str(self.document.path.parent) if self.document.path else ""

    def _add_recent(self, path: Path):
        recent = [p for p in self.settings.value("recent", [], list) if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[: MAX_RECENT - 1])
        self._fill_recent_menu()

    def _fill_recent_menu(self):
        self.recent_menu.clear()
        for p in self.settings.value("recent", [], list):
            self.recent_menu.addAction(p, lambda p=p: self._maybe_save() and self.open_path(p))


def kind_of(path: str) -> str | None:
    suffix = Path(path).suffix.lower()
    if suffix == ".dreamreel":
        return "project"
    return "audio" if suffix in AUDIO_SUFFIXES else "lyrics" if suffix in LYRICS_SUFFIXES else None


def export_dialog_class():
    """The export dialog, imported on first use (it pulls in the render code: not at startup)."""
    from dreamreel.editor.dialogs.export_dialog import ExportDialog

    return ExportDialog
