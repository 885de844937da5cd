"""Menus, toolbar and keyboard shortcuts of the main window, and the slots they trigger.

`ACTIONS` is the single list the menus, the toolbar and the shortcuts sheet are built from, so
the sheet can never disagree with the real keys. Each row names the window slot it triggers;
the Edit/View/Render/Help slots are in `ActionSlots` (File slots stay in the window).
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QInputDialog, QLineEdit, QMenu, QMessageBox,
                               QPlainTextEdit, QTextEdit, QToolBar)

from dreamreel.core.commands import (DeleteBlocks, MergeWithNext, SplitBlock, bake_offset, nudge_blocks,
                                     resize_block, shift_all)
from dreamreel.core.engine import registry
from dreamreel.core.errors import DreamreelError
from dreamreel.core.formats import FORMATS, TABLE

FORMAT_NAMES = {name: f.title for name, f in TABLE.items()}

# (name, menu, text, shortcut, slot on the window, checkable)
ACTIONS = [
    ("new", "File", "&New", QKeySequence.New, "new_project", False),
    ("open", "File", "&Open…", QKeySequence.Open, "open_dialog", False),
    ("save", "File", "&Save", QKeySequence.Save, "save", False),
    ("save_as", "File", "Save &As…", QKeySequence.SaveAs, "save_as", False),
    ("import_audio", "File", "Import &audio…", "Ctrl+I", "import_audio_dialog", False),
    ("locate_song", "File", "&Locate song…", None, "locate_song_dialog", False),
    ("export_video", "File", "Export &video…", "Ctrl+E", "export_video", False),
    ("quit", "File", "&Quit", QKeySequence.Quit, "close", False),
    ("split", "Edit", "&Split at playhead", "S", "split_at_playhead", False),
    ("merge", "Edit", "&Merge with next (join texts)", "M", "merge_with_next", False),
    ("merge_first", "Edit", "Merge with next, &keep first text", "Shift+M", "merge_keep_first", False),
    ("delete", "Edit", "&Delete", QKeySequence.Delete, "delete_selection", False),
    ("set_start", "Edit", "Set start at playhead", "[", "set_start_at_playhead", False),
    ("set_end", "Edit", "Set end at playhead", "]", "set_end_at_playhead", False),
    ("set_end_next", "Edit", "Set end and go to next", "Return", "set_end_and_next", False),
    ("nudge_left", "Edit", "Nudge left 10 ms", "Alt+Left", "nudge_left_small", False),
    ("nudge_right", "Edit", "Nudge right 10 ms", "Alt+Right", "nudge_right_small", False),
    ("nudge_left_big", "Edit", "Nudge left 100 ms", "Shift+Alt+Left", "nudge_left_big", False),
    ("nudge_right_big", "Edit", "Nudge right 100 ms", "Shift+Alt+Right", "nudge_right_big", False),
    ("ripple_left", "Edit", "Ripple left 10 ms (and everything after)", "Ctrl+Alt+Left", "ripple_left_small", False),
    ("ripple_right", "Edit", "Ripple right 10 ms (and everything after)", "Ctrl+Alt+Right", "ripple_right_small",
     False),
    ("ripple", "Edit", "&Ripple nudges", "R", "set_ripple", True),
    ("prev_block", "Edit", "Previous block", "Ctrl+Left", "select_previous", False),
    ("next_block", "Edit", "Next block", "Ctrl+Right", "select_next", False),
    ("select_all", "Edit", "Select all blocks", QKeySequence.SelectAll, "select_all", False),
    ("find", "Edit", "&Find / replace in lines", QKeySequence.Find, "focus_find", False),
    ("jump", "Edit", "&Jump to line or time…", "Ctrl+G", "jump_dialog", False),
    ("shift_all", "Edit", "Shift all after playhead…", "Ctrl+Shift+T", "shift_all_dialog", False),
    ("bake_offset", "Edit", "Bake LRC offset", None, "bake_lrc_offset", False),
    ("play", "View", "Play / pause", "Space", "toggle_play", False),
    ("play_selection", "View", "Play selection", "Shift+Space", "play_selection", False),
    ("loop_selection", "View", "Loop selection", "Ctrl+L", "set_loop_selection", True),
    ("zoom_in", "View", "Zoom &in", QKeySequence.ZoomIn, "zoom_in", False),
    ("zoom_out", "View", "Zoom &out", QKeySequence.ZoomOut, "zoom_out", False),
    ("zoom_fit", "View", "&Fit song", "Ctrl+0", "zoom_fit", False),
    ("follow", "View", "F&ollow playhead", "F", "set_follow", True),
    ("click_set", "View", "&Click sets start / end (left / right)", "T", "set_click_set", True),
    ("snap", "View", "S&nap to beats and edges", "N", "set_snapping", True),
    ("show_beats", "View", "Show &beats", None, "set_show_beats", True),
    ("show_onsets", "View", "Show o&nsets", None, "set_show_onsets", True),
    ("render_selection", "Render", "Render &selection", "Ctrl+R", "render_selection", False),
    ("render_all", "Render", "Render &all", "Ctrl+Shift+R", "render_all", False),
    ("render_cancel", "Render", "&Cancel render", None, "render_cancel", False),
    ("clear_cache", "Render", "C&lear cache for selection", None, "clear_cache_selection", False),
    ("shortcuts", "Help", "&Keyboard shortcuts", "F1", "show_shortcuts", False),
    ("about", "Help", "&About Dreamreel", None, "show_about", False),
]

MOUSE_HELP = [
    ("Drag a block", "Move it (all selected blocks move together)"),
    ("Drag a block edge", "Resize (a shared edge rolls: both blocks change)"),
    ("Shift+drag a shared edge", "Split it: resize only this block"),
    ("Drag in empty lane space", "Create a block"),
    ("Shift+drag in empty lane space", "Select blocks in a range"),
    ("Click / Shift+click / Ctrl+click", "Select / add / toggle"),
    ("Double-click a block", "Edit its text"),
    ("Alt while dragging", "Invert snapping"),
    ("Ctrl while dragging", "Allow overlapping a neighbour"),
    ("Click or drag on the waveform", "Seek / scrub"),
    ("Left / right click (Click sets start / end on)", "Set the selected block's start / end"),
    ("Drag the overview rectangle", "Move the view over the whole song"),
    ("Wheel / Ctrl+wheel", "Scroll / zoom around the mouse"),
    ("Middle or right drag", "Pan"),
    ("Drop a file on the window", "Import audio or lyrics"),
]


def build(window) -> dict[str, QAction]:
    """Create every action, its menu entry and its shortcut; connect it to the window's slot."""
    menus: dict[str, QMenu] = {}
    actions: dict[str, QAction] = {}
    bar = window.menuBar()
    for title in ("File", "Edit", "View", "Render", "Help"):
        menus[title] = bar.addMenu(f"&{title}")
    for name, menu, text, shortcut, slot, checkable in ACTIONS:
        action = QAction(text, window)
        action.setObjectName(name)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every platform binding (e.g. Ctrl+Y and Ctrl+Shift+Z)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        handler = getattr(window, slot)
        (action.toggled if checkable else action.triggered).connect(
            handler if checkable else (lambda _=False, h=handler: h()))
        window.addAction(action)  # shortcuts work even when the menu bar is hidden
        actions[name] = action
        menus[menu].addAction(action)
        if name == "open":
            window.recent_menu = menus[menu].addMenu("Open &recent")
        if name == "import_audio":
            _format_menu(window, menus[menu], "Import lyrics", window.import_lyrics_dialog)
            _format_menu(window, menus[menu], "Export lyrics", window.export_lyrics_dialog)
        if name in ("save_as", "export_video", "delete", "bake_offset", "follow", "show_onsets", "clear_cache"):
            menus[menu].addSeparator()
    actions["undo"] = window.document.stack.createUndoAction(window, "&Undo")
    actions["undo"].setShortcuts(QKeySequence.Undo)
    actions["redo"] = window.document.stack.createRedoAction(window, "&Redo")
    # Ctrl+Y and Ctrl+Shift+Z on every platform (Qt's Redo binding differs per desktop)
    redo_keys = QKeySequence.keyBindings(QKeySequence.Redo) + [QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")]
    actions["redo"].setShortcuts(list(dict.fromkeys(redo_keys)))
    menus["Edit"].insertActions(menus["Edit"].actions()[0], [actions["undo"], actions["redo"]])
    menus["Edit"].insertSeparator(menus["Edit"].actions()[2])
    actions["zoom_in"].setShortcuts(QKeySequence.keyBindings(QKeySequence.ZoomIn) + [QKeySequence("Ctrl+=")])
    for key in ("snap", "show_beats", "show_onsets"):
        actions[key].setChecked(True)
    _toolbar(window, actions)
    window._text_field_keys = TextFieldKeys(window)
    return actions


class TextFieldKeys(QObject):
    """While a text field of the window has focus, its keys are its own: no window shortcut
    fires (Return, S, Space, Delete, [ ] … are typing there, not edits of the timeline).
    Undo/Redo there undo the field's own typing, or, when it has none, the document's.

    An application event filter, parented to the window (it goes away with it): Qt asks the
    focus widget first with a ShortcutOverride event; accepting it sends the key to the field.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        field = _text_field(QApplication.focusWidget())
        if field is None or field.window() is not self.window or obj is not QApplication.focusWidget():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the key goes to the field as a key press, never to a shortcut
            return False
        for sequence, own, document_step in ((QKeySequence.StandardKey.Undo, "isUndoAvailable", "undo"),
                                             (QKeySequence.StandardKey.Redo, "isRedoAvailable", "redo")):
            if event.matches(sequence):
                if _has(field, own):
                    return False  # the field undoes its own typing
                getattr(self.window.document.stack, document_step)()
                return True
        return False


def _text_field(widget):
    """The text-editing widget `widget` is (a spin box for its inner line edit), else None."""
    if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QAbstractSpinBox):
        return widget.parentWidget()
    return widget if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)) else None


def _has(field, what: str) -> bool:
    """Whether the field has its own undo/redo step (`isUndoAvailable` / `isRedoAvailable`)."""
    if isinstance(field, QAbstractSpinBox):
        field = field.findChild(QLineEdit)
    elif isinstance(field, (QTextEdit, QPlainTextEdit)):
        field = field.document()
    return bool(field is not None and getattr(field, what)())


def _format_menu(window, parent: QMenu, title: str, handler) -> None:
    menu = parent.addMenu(title)
    for fmt in FORMATS:
        action = menu.addAction(f"{FORMAT_NAMES.get(fmt, fmt)}…")
        action.setObjectName(f"{title.lower().replace(' ', '_')}_{fmt}")
        action.triggered.connect(lambda _=False, f=fmt: handler(f))


def _toolbar(window, actions: dict[str, QAction]) -> None:
    bar = QToolBar("Main", window)
    bar.setObjectName("main_toolbar")
    bar.setMovable(False)
    for key in ("open", "save", None, "undo", "redo", None, "play", None, "zoom_out", "zoom_fit", "zoom_in",
                "follow", "snap", None, "engine", "render_selection", "render_all", "render_cancel"):
        if key is None:
            bar.addSeparator()
        elif key in ("undo", "redo"):
            bar.addAction(_stable_history_action(window, key))
        elif key == "engine":
            from dreamreel.editor.panels.engine_choice import EngineChoice

            window.engine_choice = EngineChoice(window.document, window.settings_panel, bar)
            bar.addWidget(window.engine_choice)
        else:
            bar.addAction(actions[key])
    window.addToolBar(bar)


def _stable_history_action(window, key: str) -> QAction:
    """A toolbar Undo/Redo whose text stays "Undo"/"Redo" (the step it takes back is its
    tooltip; the menu's action keeps the full text and the shortcuts), so the buttons after it
    never move as the text of the last edit changes."""
    stack = window.document.stack
    action = QAction(key.capitalize(), window)
    action.setObjectName(f"toolbar_{key}")
    can, text_changed = ((stack.canUndo, stack.undoTextChanged) if key == "undo" else
                         (stack.canRedo, stack.redoTextChanged))
    action.triggered.connect(stack.undo if key == "undo" else stack.redo)
    action.setEnabled(can())
    (stack.canUndoChanged if key == "undo" else stack.canRedoChanged).connect(action.setEnabled)
    text_changed.connect(lambda text, a=action, k=key: a.setToolTip(f"{k.capitalize()} {text}".strip()))
    window.actions_toolbar = getattr(window, "actions_toolbar", {})
    window.actions_toolbar[key] = action
    return action


def shortcut_rows(actions: dict[str, QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action with a shortcut, then the mouse gestures."""
    rows = []
    for action in actions.values():
        keys = action.shortcut().toString(QKeySequence.NativeText)
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows + MOUSE_HELP


class ActionSlots:
    """The Edit, View, Render and Help slots of the main window (mixed into MainWindow).

    Expects `self.document`, `self.timeline`, `self.player`, `self.render_controller`,
    `self.actions` and `self.run(command)` from the window.
    """

    # --- playhead --------------------------------------------------------------------------

    def playhead_ms(self) -> int:
        return int(self.player.position_ms())

    def seek(self, ms: int):
        self.player.seek(max(0, int(ms)))
        self._on_position_changed(self.playhead_ms())
        self.timeline.reveal(self.playhead_ms())  # keyboard and grid moves never leave the view

    def toggle_play(self):
        self.player.toggle()

    def play_selection(self):
        """Play the selected blocks' span (looping when Loop selection is on)."""
        span = self.document.selection_span()
        if span is None:
            self.show_error("Select the blocks to play first")
            return
        self.player.play_range(*span, loop=self.actions["loop_selection"].isChecked())

    def set_loop_selection(self, on: bool):
        if on and self.player.is_playing() and self.document.selection:
            self.play_selection()  # restart the span so the loop takes effect now

    # --- Edit ------------------------------------------------------------------------------

    def _target(self):
        """The block an edit at the playhead acts on: the selected one, else the one under it."""
        return self.document.current_block() or self.document.project.block_at(self.playhead_ms())

    def split_at_playhead(self):
        b = self.document.project.block_at(self.playhead_ms())
        if b is None:
            self.show_error("No block under the playhead to split")
            return
        cmd = SplitBlock(block_id=b.id, at_ms=self.playhead_ms())
        if self.run(cmd):
            self.document.select([cmd.new_id])

    def merge_with_next(self):
        b = self._target()
        if b is None:
            self.show_error("Select a block to merge with the next one")
        else:
            self.run(MergeWithNext(block_id=b.id))

    def merge_keep_first(self):
        b = self._target()
        if b is None:
            self.show_error("Select a block to merge with the next one")
        else:
            self.run(MergeWithNext(block_id=b.id, mode="first"))

    def delete_selection(self):
        if self.document.selection:
            self.run(DeleteBlocks(ids=self.document.selection))

    def set_start_at_playhead(self):
        b = self._target()
        if b is not None:
            self.run(resize_block(self.document.project, b.id, start_ms=self.playhead_ms()))

    def set_end_at_playhead(self) -> bool:
        b = self._target()
        return b is not None and self.run(resize_block(self.document.project, b.id, end_ms=self.playhead_ms()))

    def set_end_and_next(self):
        b = self._target()
        if b is not None and self.set_end_at_playhead():
            self._select_step(b.id, +1)

    def _nudge(self, delta_ms: int, *, ripple: bool | None = None):
        if not self.document.selection:
            self.show_error("Select the blocks to nudge first")
            return
        ripple = self.actions["ripple"].isChecked() if ripple is None else ripple
        try:
            self.run(nudge_blocks(self.document.project, self.document.selection, delta_ms, ripple=ripple))
        except DreamreelError as e:
            self.show_error(str(e))

    def ripple_left_small(self):
        self._nudge(-10, ripple=True)

    def ripple_right_small(self):
        self._nudge(10, ripple=True)

    def set_ripple(self, on: bool):
        self.statusBar().showMessage("Nudges move every later block too" if on else
                                     "Nudges move the selection (touching edges follow)", 5000)

    def nudge_left_small(self):
        self._nudge(-10)

    def nudge_right_small(self):
        self._nudge(10)

    def nudge_left_big(self):
        self._nudge(-100)

    def nudge_right_big(self):
        self._nudge(100)

    def _select_step(self, block_id: str | None, step: int):
        blocks = self.document.project.blocks
        if not blocks:
            return
        if block_id is None:
            i = 0 if step > 0 else len(blocks) - 1
        else:
            i = max(0, min(len(blocks) - 1, self.document.project.index_of(block_id) + step))
        self.document.select([blocks[i].id])
        self.seek(blocks[i].start_ms)

    def select_previous(self):
        b = self.document.current_block()
        self._select_step(b.id if b else None, -1)

    def select_next(self):
        b = self.document.current_block()
        self._select_step(b.id if b else None, +1)

    def select_all(self):
        self.document.select([b.id for b in self.document.project.blocks])

    def shift_all_dialog(self):
        seconds, ok = QInputDialog.getDouble(self, "Shift all after playhead",
                                             "Shift every block starting at or after the playhead by (seconds):",
                                             0.0, -3600.0, 3600.0, 3)
        if ok and seconds:
            try:
                self.run(shift_all(self.document.project, self.playhead_ms(), int(round(seconds * 1000))))
            except DreamreelError as e:
                self.show_error(str(e))

    def bake_lrc_offset(self):
        try:
            self.run(bake_offset(self.document.project))
        except DreamreelError as e:
            self.show_error(str(e))

    # --- View ------------------------------------------------------------------------------

    def zoom_in(self):
        self.timeline.zoom(0.5)

    def zoom_out(self):
        self.timeline.zoom(2.0)

    def zoom_fit(self):
        self.timeline.fit()

    def set_follow(self, on: bool):
        self.timeline.follow = on
        if on:
            self.timeline.set_playhead(self.playhead_ms())

    def set_click_set(self, on: bool):
        self.timeline.set_click_set(on)
        self.show_error("Click-to-set: left click sets the selected block's start, right click its end" if on
                        else "Clicks seek again")

    def set_snapping(self, on: bool):
        self.timeline.set_snapping(on)

    def set_show_beats(self, on: bool):
        self.timeline.set_show_beats(on)

    def set_show_onsets(self, on: bool):
        self.timeline.set_show_onsets(on)

    # --- Render ----------------------------------------------------------------------------

    def render_selection(self):
        span = self.document.selection_span()
        if span is None:
            self.show_error("Select the blocks to render first")
            return
        self._start_render((span[0] / 1000.0, span[1] / 1000.0))

    def render_all(self):
        self._start_render(None)

    def _start_render(self, t_range):
        if self.render_controller is not None:
            self.ensure_weights(self.document.project.render.engine, lambda _engine: self._begin_render(t_range))

    def ensure_weights(self, engine: str, go) -> None:
        """Call `go(engine)` once `engine` can render. Its weights are checked off the GUI thread
        (an engine with nothing to check goes at once); when files are missing, one dialog offers
        the default engine for now (an undoable edit, then `go(default)`), the download, or Cancel."""
        entry = registry.get(engine)
        if entry.missing_fn is registry._nothing_missing:
            go(engine)
            return
        if getattr(self, "_weights_check", None) is None:
            from dreamreel.editor.background import Background

            self._weights_check = Background(self, name="dreamreel-weights")
        render = copy.deepcopy(self.document.project.render)
        self.statusBar().showMessage(f"Checking the {entry.label} model files…", 4000)
        self._weights_check.submit(lambda: entry.missing(render),
                                   on_done=lambda missing: self._on_weights_checked(engine, missing, go),
                                   on_error=lambda e: self.show_error(str(e)))

    def weights_pending(self) -> bool:
        """True while a Render press waits for its weights check (for tests)."""
        check = getattr(self, "_weights_check", None)
        return check is not None and check.busy()

    def _on_weights_checked(self, engine: str, missing: list, go) -> None:
        if not missing:
            go(engine)
            return
        from dreamreel.editor.dialogs.missing_weights_dialog import DOWNLOAD, DRAFT, MissingWeightsDialog

        if getattr(self, "missing_weights_dialog", None) is not None:
            return  # already asking (window-modal: only a shortcut can get here)
        dialog = MissingWeightsDialog(engine, missing, self)

        def on_chosen(choice: str):
            self.missing_weights_dialog = None
            dialog.deleteLater()
            if choice == DRAFT:
                self.settings_panel.choose_engine(registry.DEFAULT_ENGINE)
                go(registry.DEFAULT_ENGINE)
            elif choice == DOWNLOAD:
                self._download_then_render(dialog.download_name, engine, go)

        dialog.chosen.connect(on_chosen)
        self.missing_weights_dialog = dialog
        dialog.open()

    def _download_then_render(self, name: str, engine: str, go) -> None:
        """Fetch `name` in the download dialog; once it is on disk, the render the user asked
        for goes ahead (weights checked again: a still-missing file asks again). On cancel or
        failure nothing starts and the status bar says so."""
        download = self.settings_panel.open_download(name)
        label = registry.get(engine).label

        def on_downloaded(*_):
            self.engine_choice.refresh()
            self.statusBar().showMessage(f"{name} downloaded: rendering with {label}", 8000)
            self.ensure_weights(engine, go)

        def on_failed(why: str):
            what = "cancelled" if why == "cancelled" else f"failed ({why})"
            self.statusBar().showMessage(f"Download of {name} {what}: nothing rendered; press Render to try again", 0)

        download.downloaded.connect(on_downloaded)
        download.failed.connect(on_failed)

    def _begin_render(self, t_range):
        rc = self.render_controller
        if rc is None:
            return
        if not rc.is_running() and not rc.is_exporting() and not self._render_cost_ok(t_range):
            return
        try:
            started = rc.start(self.document.project, t_range=t_range)
        except DreamreelError as e:
            self.show_error(str(e))
            return
        if not started:
            self.show_error("An export is running; wait for it or cancel it in the status bar" if rc.is_exporting()
                            else "A render is already running; cancel it first")

    def _render_cost_ok(self, t_range) -> bool:
        """Say how many keyframes the render needs and about how long (the chain before a
        selection included); ask first above a minute. True to go ahead."""
        from dreamreel.core.engine.preview_plan import choose_preview
        from dreamreel.core.engine.render import song_duration_s
        from dreamreel.editor.dialogs import render_estimate

        project, rc = self.document.project, self.render_controller
        states = rc.states_of(project.render.engine)
        if states is None or states.identity is None or not project.blocks:
            return True  # not known yet: the job's own plan line follows
        try:
            rng = t_range or (0.0, song_duration_s(project))
            choice = choose_preview(project, states, rc._cache(), rng, fresh=False,
                                    seconds_per_iteration=render_estimate.seconds_per_iteration(
                                        project.render, project.render.engine))
        except DreamreelError as e:
            self.show_error(str(e))
            return False
        return render_estimate.confirm(self, "Render selection" if t_range else "Render all", choice)

    def render_cancel(self):
        if self.render_controller is not None:
            self.render_controller.cancel()

    def clear_cache_selection(self):
        """Delete the selected blocks' cached keyframes, after saying how many and asking."""
        rc, selection = self.render_controller, self.document.selection
        if rc is None or not selection:
            return
        count = len(rc.cached_keys(selection))
        blocks = f"{len(selection)} selected block{'s' if len(selection) > 1 else ''}"
        if count == 0:
            self.show_error(f"Nothing is cached for the {blocks}")
            return
        answer = QMessageBox.question(
            self, "Clear cache",
            f"Delete {count} cached keyframe{'s' if count > 1 else ''} of the {blocks}? "
            "They are rendered again the next time.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            rc.clear_cache(selection)
            self.statusBar().showMessage(f"Deleted {count} cached keyframe{'s' if count > 1 else ''}", 6000)

    # --- Help ------------------------------------------------------------------------------

    def show_shortcuts(self):
        from dreamreel.editor.dialogs.shortcuts_dialog import ShortcutsDialog

        self._shortcuts = ShortcutsDialog(shortcut_rows(self.actions), self)
        self._shortcuts.show()

    def show_about(self):
        QMessageBox.about(self, "About Dreamreel",
                          "<b>Dreamreel</b><br>AI music videos from a song and its timed lyrics "
                          "(VQGAN+CLIP), with a timeline editor.")
