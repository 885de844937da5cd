"""The Dreamreel main window: timeline in the middle, inspector/settings/preview docks, menus.

It wires the document (project + undo) to the views, the player and the render controller,
and turns every user-facing failure into one plain line (status bar or a non-modal box).
The File slots are in `editor/window/file_slots.py`; the Edit/View/Render/Help slots live beside
their action table in `editor/window/actions.py`.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QProgressBar, QToolBar

from dreamreel.editor.window import actions as action_table
from dreamreel.editor.window.audio_import import AudioImporter
from dreamreel.editor.window.song_banner import SongBanner
from dreamreel.editor.document.autosave import Autosaver, discard
from dreamreel.editor.window.file_slots import AUDIO_SUFFIXES, LYRICS_SUFFIXES, FileSlots, kind_of
from dreamreel.editor.panels.inspector_panel import InspectorPanel
from dreamreel.editor.panels.lines_grid import LinesGrid
from dreamreel.editor.panels.settings_panel import SettingsPanel
from dreamreel.core.clock import format_clock
from dreamreel.editor.timeline.timeline_view import TimelineView
from dreamreel.editor.document.editor_document import EditorDocument

__all__ = ["AUDIO_SUFFIXES", "LYRICS_SUFFIXES", "MainWindow"]


class MainWindow(FileSlots, action_table.ActionSlots, QMainWindow):
    """The editor window for one document at a time (File slots: FileSlots; Edit/View/Render/Help
    slots: ActionSlots)."""

    def __init__(self, *, use_audio: bool | None = None, render: bool = True):
        super().__init__()
        self.document = EditorDocument(parent=self)
        self.settings = QSettings("dreamreel", "editor")
        self.timeline = TimelineView(self.document, self)
        self.setCentralWidget(self.timeline)
        self.inspector = InspectorPanel(self.document)
        self.settings_panel = SettingsPanel(self.document)
        self.player = _make_player(self, use_audio)
        self.render_controller = _make_render_controller(self) if render else None
        self.preview = _make_preview()
        # Right column: the preview on top, block and project settings as tabs below it, so
        # the timeline keeps most of the width.
        docks = [self._dock("Preview", self.preview, Qt.RightDockWidgetArea)]
        block_dock = self._dock("Block", _scrolled(self.inspector), Qt.RightDockWidgetArea)
        settings_dock = self._dock("Project settings", self.settings_panel, Qt.RightDockWidgetArea)
        self.tabifyDockWidget(block_dock, settings_dock)
        block_dock.raise_()
        self.resizeDocks(docks + [block_dock], [400] * (len(docks) + 1), Qt.Horizontal)
        # Below the timeline: every line as a row (Aegisub's subtitle grid)
        self.lines = LinesGrid(self.document)
        self.lines_dock = self._dock("Lines", self.lines, Qt.BottomDockWidgetArea)
        self.resizeDocks([self.lines_dock], [260], Qt.Vertical)
        self.autosaver = Autosaver(self.document, self)
        self.audio_importer = AudioImporter(self)
        self._block_states: dict[str, tuple[str, float]] = {}
        self._alerts: list[QMessageBox] = []
        self.actions = action_table.build(self)
        self._build_song_banner()
        self._build_status_bar()
        self._connect()
        self.setAcceptDrops(True)
        self.resize(1400, 820)
        self._on_project_replaced()

    # --- construction ----------------------------------------------------------------------

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "_").lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_song_banner(self):
        """A strip under the toolbar, shown only while the song is missing or changed."""
        self.song_banner = SongBanner(self.document, self)
        bar = QToolBar("Song", self)
        bar.setObjectName("song_bar")
        bar.setMovable(False)
        bar.addWidget(self.song_banner)
        self.addToolBarBreak()
        self.addToolBar(Qt.TopToolBarArea, bar)
        self.song_banner.holder = bar
        bar.hide()
        self.song_banner.locateRequested.connect(self.actions["locate_song"].trigger)

    def _build_status_bar(self):
        self.position_label, self.selection_label = QLabel("00:00.000"), QLabel("")
        self.render_label, self.device_label = QLabel(""), QLabel("")
        self.import_label, self.import_bar = QLabel(""), QProgressBar()
        self.import_bar.setRange(0, 0)  # busy: a song's probe and hash have no steps to count
        self.import_bar.setMaximumWidth(90)
        self.import_bar.setVisible(False)
        bar = self.statusBar()
        if self.render_controller is not None:  # the export's progress line: bar and Cancel
            from dreamreel.editor.render.export_progress import ExportProgress

            self.export_progress = ExportProgress(self.render_controller, self)
            bar.addPermanentWidget(self.export_progress)
        for label in (self.import_label, self.import_bar, self.position_label, self.selection_label,
                      self.render_label, self.device_label):
            bar.addPermanentWidget(label)

    def _connect(self):
        doc = self.document
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.projectReplaced.connect(self._on_project_replaced)
        doc.changed.connect(self._on_model_changed)
        doc.selectionChanged.connect(self._on_selection_changed)
        self.timeline.seekRequested.connect(self.seek)
        self.timeline.statusMessage.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.timeline.blocks.errorRaised.connect(self.show_error)
        self.timeline.blocks.editRequested.connect(lambda _id: self.inspector.focus_text())
        self.timeline.blocks.state_of = self._state_of
        self.lines.model.state_of = self._state_of
        self.timeline.navigator.overview.state_of = self._state_of
        self.timeline.edgeClicked.connect(self._on_edge_clicked)
        self.timeline.blocks.dragInfo.connect(self._on_drag_info)
        self.lines.seekRequested.connect(self.seek)
        self.lines.message.connect(self.show_error)
        self.inspector.errorRaised.connect(self.show_error)
        self.document.rejected.connect(self.show_error)
        self.autosaver.failed.connect(self.show_error)
        self.audio_importer.imported.connect(self._on_audio_imported)
        self.audio_importer.failed.connect(lambda _path, message: self.alert("Cannot import audio", message))
        self.audio_importer.busyChanged.connect(self._on_audio_import_busy_changed)
        self.player.positionChanged.connect(self._on_position_changed)
        if hasattr(self.player, "statusChanged"):
            self.player.statusChanged.connect(lambda _m: self._update_device_label())
        rc = self.render_controller
        if rc is not None:
            # The controller computes the cache picture in a worker (never the engine import on
            # this thread) and coalesces; current_states() is cheap, so follow it directly.
            rc.statesChanged.connect(self._on_render_states_changed)
            rc.runningChanged.connect(self._on_render_running_changed)
            rc.progress.connect(lambda d, t, m: self.render_label.setText(f"Render {d}/{t} {m}"))
            rc.finished.connect(lambda: self.render_label.setText("Render finished"))
            rc.cancelled.connect(lambda: self.render_label.setText("Render cancelled"))
            rc.failed.connect(lambda m: (self.render_label.setText("Render failed"), self.show_error(m)))
            self.timeline.blocks.thumbnail_of = rc.thumbnail_path
        if rc is not None:
            self.preview.set_render_controller(rc)
        self.preview.set_player(self.player)
        self.preview.ensure_weights = self.ensure_weights
        self._update_render_actions()

    # --- model observers -------------------------------------------------------------------

    def _on_project_replaced(self):
        project = self.document.project
        self.setWindowTitle(f"{self.document.display_name()}[*] — Dreamreel")
        self.setWindowModified(self.document.modified)
        self._load_player()
        if self.render_controller is not None:
            self.render_controller.set_project(project)
        self.preview.set_project(project)
        self._on_selection_changed()
        self._update_device_label()

    def _on_model_changed(self, change):
        if change.kind == "audio":
            self._load_player()
        self._on_selection_changed()  # also re-checks the Render actions (blocks may be gone)

    def _load_player(self):
        project = self.document.project
        path = project.audio_path()
        if hasattr(self.player, "load"):
            self.player.load(path if path is not None and path.exists() else None, project.duration_ms)

    def _on_position_changed(self, ms: int):
        # (the preview follows the player itself)
        self.timeline.set_playhead(ms)
        self.position_label.setText(format_clock(ms))

    def _on_selection_changed(self):
        sel, span = self.document.selection, self.document.selection_span()
        self._update_render_actions()
        if span is None:
            self.selection_label.setText("No selection")
            self.preview.set_selection(None)
            return
        start, end = span
        self.preview.set_selection(start, end)
        span = f"{format_clock(start)}–{format_clock(end)}"
        self.selection_label.setText(f"{len(sel)} selected {span}" if len(sel) > 1 else f"Block {span}")

    def _on_render_states_changed(self):
        states = self.render_controller.current_states()
        if states != self._block_states:
            self._block_states = states
            self.timeline.blocks.set_states_revision()
            self.lines.model.refresh_states()
            self.timeline.navigator.overview.invalidate()

    def _on_render_running_changed(self, running: bool):
        self._update_render_actions()

    def _update_render_actions(self):
        """Render/Cancel follow the controller: nothing to render, or a job running, disables."""
        rc = self.render_controller
        running = rc is not None and rc.is_running()
        idle = rc is not None and not running and not rc.is_exporting()
        has_blocks = bool(self.document.project.blocks)
        self.actions["render_selection"].setEnabled(idle and bool(self.document.selection))
        self.actions["render_all"].setEnabled(idle and has_blocks)
        self.actions["render_cancel"].setEnabled(running)
        self.actions["clear_cache"].setEnabled(idle and bool(self.document.selection))

    def _state_of(self, block_id: str):
        state, fraction = self._block_states.get(block_id, ("none", 0.0))
        return state, fraction * 100.0

    def _update_device_label(self):
        device = self.document.project.render.device
        playback = getattr(self.player, "status_message", "") or ""
        self.device_label.setText(f"Render device: {device} · {playback}".strip(" ·"))

    # --- timing by mouse --------------------------------------------------------------------

    def _on_edge_clicked(self, edge: str, ms: int):
        """Click-to-set mode: the selected block's start (left) or end (right) goes to the click."""
        from dreamreel.core.commands import set_edge

        b = self.document.current_block()
        if b is None:
            self.show_error("Select a block first: left click then sets its start, right click its end")
            return
        self.run(set_edge(self.document.project, b.id, edge, ms))

    def _on_drag_info(self, text: str):
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    # --- lines grid -----------------------------------------------------------------------

    def jump_dialog(self):
        """Ctrl+G: go to a line number or a time."""
        from PySide6.QtWidgets import QInputDialog

        count = len(self.document.project.blocks)
        text, ok = QInputDialog.getText(self, "Jump to", f"Line number (1–{count}) or time (mm:ss.xx):")
        if ok and text.strip():
            self.lines.jump(text)

    def focus_find(self):
        """Ctrl+F: the grid's find field."""
        self.lines_dock.show()
        self.lines_dock.raise_()
        self.lines.find.setFocus()
        self.lines.find.selectAll()

    # --- messages --------------------------------------------------------------------------

    def show_error(self, message: str):
        """A rejected edit or a failed job: one plain line in the status bar."""
        self.statusBar().showMessage(str(message), 10000)

    def alert(self, title: str, text: str, details: str = "", icon=QMessageBox.Warning):
        """A non-modal box (file errors, import warnings): never blocks, never a traceback."""
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setWindowModality(Qt.NonModal)
        if details:
            box.setDetailedText(details)
        box.finished.connect(lambda _r, b=box: self._alerts.remove(b) if b in self._alerts else None)
        self._alerts.append(box)
        box.show()
        self.statusBar().showMessage(text, 10000)
        return box

    def run(self, command) -> bool:
        """Execute a core command for undo; a refused one becomes a status-bar line, and so does
        a command's note (e.g. a shift trimmed at the song's end)."""
        done = self.document.try_execute(command)
        if done and getattr(command, "note", ""):
            self.statusBar().showMessage(command.note, 10000)
        return done

    # --- closing and drops -----------------------------------------------------------------

    def _maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded, or unmodified)."""
        if not self.document.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save changes to {self.document.display_name()}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save()
        if answer == QMessageBox.Discard:
            discard(self.document.path)
            return True
        return False

    def _may_stop_export(self) -> bool:
        """Closing while an export runs stops it (no video is written): ask first."""
        rc = self.render_controller
        if rc is None or not rc.is_exporting():
            return True
        answer = QMessageBox.question(self, "Export running", "An export is running. Stop it and close?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def closeEvent(self, event):
        if not self._may_stop_export() or not self._maybe_save():
            event.ignore()
            return
        self.autosaver.timer.stop()
        if self.render_controller is not None:
            self.render_controller.shutdown()
        self.timeline.shutdown()  # background audio work ends before the window does
        self.settings_panel.shutdown()  # a model download too (its .part stays for a resume)
        self.engine_choice.shutdown()
        self.audio_importer.shutdown()
        self.song_banner.shutdown()
        if hasattr(self.player, "pause"):
            self.player.pause()
        event.accept()

    def dragEnterEvent(self, event):
        if any(kind_of(u.toLocalFile()) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            kind = kind_of(path)
            if kind == "project" and self._maybe_save():
                self.open_path(path)
            elif kind == "audio":
                self.import_audio(path)
            elif kind == "lyrics" and self.may_replace_blocks(path):
                self.import_lyrics(path)
        event.acceptProposedAction()


def _scrolled(panel):
    """`panel` in a vertical scroll area: a tall form (the block's fields and their help lines)
    scrolls in a short dock instead of squashing its wrapped labels."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    scroll = QScrollArea()
    scroll.setObjectName(f"{panel.objectName() or type(panel).__name__}_scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(panel)
    return scroll


def _make_player(window, use_audio):
    from dreamreel.editor.playback import Player

    return Player(window, use_audio=use_audio)


def _make_render_controller(window):
    from dreamreel.editor.render.render_controller import RenderController  # imports the engine registry

    return RenderController(window)


def _make_preview():
    from dreamreel.editor.panels.preview_panel import PreviewPanel  # imports the engine registry

    return PreviewPanel()
