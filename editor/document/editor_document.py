"""Undo for the editor: a QUndoCommand around each core Command, and the document that owns them.

Core commands validate and apply themselves; this module only adapts them to `QUndoStack`.
`EditorDocument` holds the one Project being edited, its undo stack, its path and the
selection, and re-announces the model's plain-Python `changed` signal as a Qt signal so views
can connect once and survive the project being replaced (New/Open/Recover).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from dreamreel.core.commands import Command
from dreamreel.core.errors import DreamreelError
from dreamreel.core.events import Change
from dreamreel.core.project import Project, save_project

NUDGE_ID = 1001  # QUndoCommand.id() shared by nudges so the stack merges them


class CoreUndoCommand(QUndoCommand):
    """One core Command on the undo stack. The work happens in redo(), as Qt expects.

    The command is applied once before it is pushed (so a CommandError is raised to the caller
    and nothing lands on the stack); the first redo() that `push` makes is then skipped.
    """

    def __init__(self, project: Project, command: Command, *, applied: bool = False):
        super().__init__(command.label)
        self.project = project
        self.command = command
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.command.apply(self.project)

    def undo(self) -> None:
        self.command.undo(self.project)

    def id(self) -> int:
        return NUDGE_ID if self.command.label == "Nudge" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, CoreUndoCommand) or other.project is not self.project:
            return False
        return bool(self.command.merge(other.command))


class MacroUndoCommand(QUndoCommand):
    """Several core commands as one undo step (an import, "set end and go to next")."""

    def __init__(self, project: Project, label: str, commands: list[Command]):
        super().__init__(label)
        self.project = project
        self.commands = commands
        self._skip_redo = True  # applied (and validated) before the push

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        for command in self.commands:
            command.apply(self.project)

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo(self.project)


class EditorDocument(QObject):
    """The project being edited, its undo stack, file path, dirty state and selection.

    Views read `document.project` and redraw on `changed`; they never copy the model.
    The selection is UI state (not saved), kept here so every view agrees on it.
    """

    changed = Signal(object)  # core Change
    projectReplaced = Signal()  # a different Project object is now being edited
    modifiedChanged = Signal(bool)
    selectionChanged = Signal()
    rejected = Signal(str)  # an edit that validation refused, in plain words (try_execute)

    def __init__(self, project: Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = QUndoStack(self)
        # A bound slot, not a lambda: Qt drops the connection when this object goes away,
        # so the stack's last cleanChanged during teardown reaches no dead signal.
        self.stack.cleanChanged.connect(self._on_clean_changed)
        self.project: Project = Project()
        self._selection: list[str] = []
        self.set_project(project or Project())

    def _on_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    # --- project lifetime ------------------------------------------------------------------

    def set_project(self, project: Project, *, modified: bool = False) -> None:
        """Edit `project` from now on (clears undo history and selection)."""
        if self._observing():
            self.project.changed.disconnect(self._on_model_changed)
        self.project = project
        project.changed.connect(self._on_model_changed)
        self.stack.clear()
        self.stack.setClean()
        if modified:
            self.stack.resetClean()
        self._selection = []
        self.projectReplaced.emit()
        self.changed.emit(Change("all"))
        self.selectionChanged.emit()
        self.modifiedChanged.emit(modified)

    def _observing(self) -> bool:
        return self._on_model_changed in getattr(self.project.changed, "_callbacks", [])

    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    def display_name(self) -> str:
        if self.project.path is not None:
            return self.project.path.stem
        return self.project.title or "Untitled"

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically (to `path`, or the current path) and mark the stack clean."""
        target = Path(path) if path is not None else self.project.path
        if target is None:
            raise ValueError("no path to save to")
        save_project(self.project, target)
        self.stack.setClean()
        return self.project.path

    # --- edits -----------------------------------------------------------------------------

    def execute(self, command: Command) -> None:
        """Apply a core command and push it for undo. CommandError propagates; nothing is pushed."""
        command.apply(self.project)
        self.stack.push(CoreUndoCommand(self.project, command, applied=True))

    def try_execute(self, command: Command) -> bool:
        """Like `execute`, but a refused edit is announced on `rejected` instead of raised."""
        try:
            self.execute(command)
            return True
        except DreamreelError as e:
            self.rejected.emit(str(e))
            return False

    def execute_many(self, label: str, commands: list[Command]) -> None:
        """Apply commands in order as ONE undo step; if one fails, roll back and re-raise."""
        done: list[Command] = []
        try:
            for command in commands:
                command.apply(self.project)
                done.append(command)
        except Exception:
            for command in reversed(done):
                command.undo(self.project)
            raise
        self.stack.push(MacroUndoCommand(self.project, label, done))

    def _on_model_changed(self, change: Change) -> None:
        if change.removed and self._selection:
            kept = [i for i in self._selection if i not in change.removed]
            if kept != self._selection:
                self._selection = kept
                self.selectionChanged.emit()
        self.changed.emit(change)

    # --- selection -------------------------------------------------------------------------

    @property
    def selection(self) -> list[str]:
        """Selected block ids, in timeline order."""
        order = {b.id: i for i, b in enumerate(self.project.blocks)}
        return sorted((i for i in self._selection if i in order), key=order.get)

    def select(self, ids, *, extend: bool = False) -> None:
        new = list(dict.fromkeys((self._selection if extend else []) + list(ids)))
        if new != self._selection:
            self._selection = new
            self.selectionChanged.emit()

    def toggle_selected(self, block_id: str) -> None:
        if block_id in self._selection:
            self._selection = [i for i in self._selection if i != block_id]
        else:
            self._selection = self._selection + [block_id]
        self.selectionChanged.emit()

    def current_block(self):
        """The one block the inspector shows: the last selected, or None."""
        sel = [i for i in self._selection if self._has(i)]
        return self.project.block(sel[-1]) if sel else None

    def selection_span(self) -> tuple[int, int] | None:
        """(earliest start, latest end) in ms of the selected blocks, or None."""
        selected = set(self._selection)
        blocks = [b for b in self.project.blocks if b.id in selected]
        if not blocks:
            return None
        return min(b.start_ms for b in blocks), max(b.end_ms for b in blocks)

    def _has(self, block_id: str) -> bool:
        return any(b.id == block_id for b in self.project.blocks)
