"""The lines grid: every block as a row (start, end, duration, text, secondary, render state).

Subtitle Edit / Aegisub style: the artist reads and fixes lines here while the timeline shows
them. `LinesModel` reads `document.project.blocks` on demand (no copy of the truth), so a
2,000-line song costs only the visible cells; edits go through core commands on the undo
stack. Selection is synced both ways with the document (and so with the timeline). A find /
replace bar sits above the table; `jump` (Ctrl+G) goes to a line number or a time.
"""

from __future__ import annotations

from PySide6.QtCore import (QAbstractTableModel, QEvent, QItemSelection, QItemSelectionModel, QModelIndex, Qt,
                            Signal)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QHBoxLayout, QLineEdit, QPushButton,
                               QStyledItemDelegate, QTableView, QVBoxLayout, QWidget)

from dreamreel.core.commands import SetBlockFields, SetTexts, resize_block, set_edge, set_text
from dreamreel.core.formats.timecodes import parse_time
from dreamreel.editor.theme import STATE_LABELS, state_colour
from dreamreel.core.clock import format_clock

COLUMNS = ("#", "Start", "End", "Duration", "Text", "Secondary", "State")
TIME_COLUMNS = (1, 2, 3)
TEXT_COLUMNS = {4: "text", 5: "secondary"}
ROW_PX = 22
# Role numbers as plain ints: the view asks ~10 roles per visible cell per repaint, and
# comparing an int to a PySide6 enum member costs more than the rest of data() together.
_DISPLAY, _EDIT, _DECORATION, _TOOLTIP, _FOREGROUND, _ALIGN = (
    int(r.value) for r in (Qt.DisplayRole, Qt.EditRole, Qt.DecorationRole, Qt.ToolTipRole, Qt.ForegroundRole,
                           Qt.TextAlignmentRole))
_ROLES = frozenset((_DISPLAY, _EDIT, _DECORATION, _TOOLTIP, _FOREGROUND, _ALIGN))
_RIGHT = int((Qt.AlignRight | Qt.AlignVCenter).value)
_STANZA = QColor("#b455ff")


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def parse_jump(text: str, line_count: int) -> tuple[str, int] | None:
    """("line", index) for a 1-based line number (`12`, `#12`), ("time", ms) for `1:02.5` or
    `62.5s`; None when it is neither. A bare whole number is a line when such a line exists."""
    text = text.strip()
    if not text:
        return None
    digits = text.lstrip("#")
    if digits.isdigit() and (text.startswith("#") or 1 <= int(digits) <= line_count):
        n = int(digits)
        return ("line", n - 1) if 1 <= n <= line_count else None
    ms = parse_time(text[:-1] if text.endswith("s") else text)
    return None if ms is None else ("time", ms)


class LinesModel(QAbstractTableModel):
    """Rows are the project's blocks in time order; the model itself stores nothing."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.state_of = lambda block_id: ("none", 0.0)  # set by the window (render controller)
        self._ids: list[str] = []
        self._on_replaced()
        document.changed.connect(self._on_model_changed)
        document.projectReplaced.connect(self._on_replaced)

    def _on_replaced(self):
        self.beginResetModel()
        self._ids = [b.id for b in self.document.project.blocks]
        self.endResetModel()

    def _on_model_changed(self, change):
        if change.kind not in ("blocks", "all"):
            return
        ids = [b.id for b in self.document.project.blocks]
        if ids != self._ids:  # rows added, removed or reordered
            self.layoutAboutToBeChanged.emit()
            self._ids = ids
            self.layoutChanged.emit()
        elif ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(COLUMNS) - 1))

    def refresh_states(self):
        if self._ids:
            col = COLUMNS.index("State")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._ids) - 1, col))

    def block_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, block_id: str) -> int:
        try:
            return self._ids.index(block_id)
        except ValueError:
            return -1

    # --- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if index.column() in TIME_COLUMNS or index.column() in TEXT_COLUMNS:
            base |= Qt.ItemIsEditable
        return base

    def data(self, index, role=_DISPLAY):
        role = int(role) if not isinstance(role, int) else role
        if role not in _ROLES or not index.isValid():
            return None
        blocks = self.document.project.blocks
        row, col = index.row(), index.column()
        if row >= len(blocks):
            return None
        b = blocks[row]
        if role == _DISPLAY or role == _EDIT:
            if col == 0:
                return str(row + 1) if role == _DISPLAY else None
            if col in (1, 2):
                return format_clock(b.start_ms if col == 1 else b.end_ms)
            if col == 3:
                return _seconds(b.duration_ms)
            if col in TEXT_COLUMNS:
                text = getattr(b, TEXT_COLUMNS[col])
                return text.replace("\n", " ⏎ ") if role == _DISPLAY else text
            if role == _EDIT:
                return None
            state, pct = self.state_of(b.id)
            label = STATE_LABELS.get(state, state)
            return f"{label} {pct:.0f}%" if state == "rendering" and pct else label
        if role == _DECORATION:
            return state_colour(self.state_of(b.id)[0]) if col == 6 else None
        if role == _FOREGROUND:
            return _STANZA if col == 0 and b.stanza_break else None  # a verse starts here
        if role == _TOOLTIP:
            return ("Render state: " + ", ".join(f"{v} ({k})" for k, v in STATE_LABELS.items())) if col == 6 else None
        if role == _ALIGN:
            return _RIGHT if col in (0, 1, 2, 3) else None
        return None

    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid():
            return False
        project = self.document.project
        b = project.blocks[index.row()]
        col = index.column()
        if col in TEXT_COLUMNS:
            if getattr(b, TEXT_COLUMNS[col]) == value:
                return False
            cmd = SetBlockFields(block_id=b.id, fields={TEXT_COLUMNS[col]: str(value)}, label="Edit text")
            return self.document.try_execute(cmd)
        ms = parse_time(str(value).strip())
        if ms is None:
            self.document.rejected.emit(f"{str(value)[:30]!r} is not a time; write mm:ss.mmm or seconds")
            return False
        if col == 3:
            return self.document.try_execute(resize_block(project, b.id, end_ms=b.start_ms + ms))
        return self.document.try_execute(set_edge(project, b.id, "start" if col == 1 else "end", ms, roll=True))


class _CellEditor(QLineEdit):
    """A cell editor that keeps Return/Enter/Escape for itself: the window's Return shortcut
    (set end and go to next) must not fire while a line is being typed."""

    def event(self, ev):
        if ev.type() == QEvent.ShortcutOverride and ev.key() in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape):
            ev.accept()
            return True
        return super().event(ev)


class _Delegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):
        editor = _CellEditor(parent)
        editor.setFrame(False)
        return editor


class LinesGrid(QWidget):
    """Find/replace bar + the table of lines. Selecting rows selects blocks and vice versa."""

    seekRequested = Signal(int)  # ms: a jump to a time
    message = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.model = LinesModel(document, self)
        self.table = QTableView(self)
        self.table.setObjectName("lines_table")
        self.table.setModel(self.model)
        self.table.setItemDelegate(_Delegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.Fixed)  # uniform rows: no per-row size hints at 2,000 lines
        vh.setDefaultSectionSize(ROW_PX)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)
        from dreamreel.editor.theme import STATE_LABELS

        fm = self.table.fontMetrics()
        state_px = max(fm.horizontalAdvance(f"{label} 100%") for label in STATE_LABELS.values()) + 40  # + swatch
        for col, px in enumerate((40, 88, 88, 62, 260, 140, state_px)):
            self.table.setColumnWidth(col, px)
        hh.setSectionResizeMode(4, QHeaderView.Stretch)  # the text takes the spare width

        self.find = QLineEdit(self)
        self.find.setPlaceholderText("Find")
        self.find.setObjectName("find_text")
        self.replace = QLineEdit(self)
        self.replace.setPlaceholderText("Replace with")
        self.replace.setObjectName("replace_text")
        self.find_button = QPushButton("Next", self)
        self.replace_button = QPushButton("Replace", self)
        self.replace_all_button = QPushButton("All", self)
        self.replace_all_button.setToolTip("Replace in every line (one undo step)")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.find, self.find_button, self.replace, self.replace_button, self.replace_all_button):
            bar.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.table)

        self._syncing = False
        self.table.selectionModel().selectionChanged.connect(self._on_rows_selected)
        self.table.doubleClicked.connect(self._on_double_clicked)
        document.selectionChanged.connect(self._on_document_selection)
        self.model.layoutChanged.connect(self._on_document_selection)
        self.model.modelReset.connect(self._on_document_selection)
        self.find.returnPressed.connect(self.find_next)
        self.find_button.clicked.connect(self.find_next)
        self.replace_button.clicked.connect(self.replace_current)
        self.replace_all_button.clicked.connect(self.replace_all)

    # --- selection sync ---------------------------------------------------------------------

    def _on_rows_selected(self, *_):
        if self._syncing:
            return
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        self._syncing = True
        try:
            self.document.select([self.model.block_id(r) for r in rows])
        finally:
            self._syncing = False

    def _on_document_selection(self, *_):
        if self._syncing:
            return
        rows = [r for r in (self.model.row_of(i) for i in self.document.selection) if r >= 0]
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for r in rows:
            selection.select(self.model.index(r, 0), self.model.index(r, last))
        self._syncing = True
        try:
            sm = self.table.selectionModel()
            sm.select(selection, QItemSelectionModel.ClearAndSelect)
            if rows:
                sm.setCurrentIndex(self.model.index(rows[-1], 4), QItemSelectionModel.NoUpdate)
                self.table.scrollTo(self.model.index(rows[-1], 0))
        finally:
            self._syncing = False

    def _on_double_clicked(self, index):
        if index.column() == 0:  # the number column is not editable: seek to the line instead
            self.seekRequested.emit(self.document.project.blocks[index.row()].start_ms)

    # --- find / replace ---------------------------------------------------------------------

    def _matches(self, text: str) -> bool:
        needle = self.find.text()
        return bool(needle) and needle.casefold() in text.casefold()

    def find_next(self) -> bool:
        """Select the next line (after the current one, wrapping) whose text contains the find text."""
        blocks = self.document.project.blocks
        if not self.find.text() or not blocks:
            return False
        current = self.document.current_block()
        start = self.model.row_of(current.id) + 1 if current is not None else 0
        for k in range(len(blocks)):
            b = blocks[(start + k) % len(blocks)]
            if self._matches(b.text) or self._matches(b.secondary):
                self.document.select([b.id])
                self.seekRequested.emit(b.start_ms)
                return True
        self.message.emit(f"“{self.find.text()}” is not in any line")
        return False

    def _replaced(self, text: str) -> str:
        import re

        return re.sub(re.escape(self.find.text()), lambda _m: self.replace.text(), text, flags=re.IGNORECASE)

    def replace_current(self) -> None:
        """Replace in the selected line (when it matches), then find the next one."""
        b = self.document.current_block()
        if b is not None and self._matches(b.text):
            self.document.try_execute(set_text(self.document.project, b.id, self._replaced(b.text)))
        self.find_next()

    def replace_all(self) -> int:
        """Replace in every line's text as one undo step; returns how many lines changed."""
        texts = {b.id: self._replaced(b.text) for b in self.document.project.blocks if self._matches(b.text)}
        if texts:
            self.document.try_execute(SetTexts(texts=texts, label=f"Replace “{self.find.text()}”"))
        self.message.emit(f"Replaced in {len(texts)} line{'s' if len(texts) != 1 else ''}")
        return len(texts)

    # --- jump -------------------------------------------------------------------------------

    def jump(self, text: str) -> bool:
        """Go to a 1-based line number or a time (selects the line there and seeks)."""
        blocks = self.document.project.blocks
        target = parse_jump(text, len(blocks))
        if target is None:
            self.message.emit(f"{text[:30]!r} is neither a line number (1–{len(blocks)}) nor a time (mm:ss.xx)")
            return False
        kind, value = target
        if kind == "line":
            b = blocks[value]
            self.document.select([b.id])
            self.seekRequested.emit(b.start_ms)
            return True
        b = self.document.project.block_at(value)
        self.document.select([b.id] if b is not None else [])
        self.seekRequested.emit(value)
        return True
