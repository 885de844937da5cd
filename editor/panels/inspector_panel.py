"""Block inspector: edit the selected block's text, times, style override, seed and iterations,
and whether its text reads as prompt syntax (for every selected block at once).

Every edit goes through a core command when a field is finished (Enter or focus out), and the
panel re-reads the block whenever the model or the selection changes; it keeps no copy.
Enter in the Text field commits the text and moves to the next block, its text selected for
typing over (Aegisub's habit: lyrics are typed line after line).
"""

from __future__ import annotations

from dreamreel.core.commands import SetBlockFields, SetBlocksFields, resize_block, set_text
from dreamreel.core.formats.timecodes import parse_time
from dreamreel.core.engine.prompts import format_prompts, parse_style_prompts, uses_prompt_syntax
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import Style
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from dreamreel.core.clock import format_clock

PROMPT_HELP = ("Several prompts in one block: <code>text:weight:stop | other:weight</code>, "
               "e.g. <code>a red sky:1 | clouds:0.5</code>. Negative weights push away; "
               "a stop (optional) is where the pull ends.")
SYNTAX_HELP = ("Read the text as prompt syntax (text:weight:stop | ...). Off: the text is literal "
               "words, one prompt of weight 1, so a lyric like \"Meet me at 9:30\" keeps its time. "
               "Imported lyrics start off; CSV screenplays and typed blocks start on.")


STYLE_MODE_ITEMS = (  # Block.style_mode: what the combo offers
    ("add", "Add to project style", "The project's phrases, then these; the project's negatives stay."),
    ("replace", "Replace project phrases", "These phrases instead of the project's; the project's negatives stay."),
    ("replace-all", "Replace project style", "These phrases alone: the project's phrases and negatives are dropped."),
)
NEW_STYLE_MODE = "add"  # a block's first style override adds to the project's


def shown_style_mode(block) -> str:
    """The mode a block's style works by: its own, "replace-all" for a style set before modes
    existed (what it meant then), NEW_STYLE_MODE for a block without a style yet."""
    if block.style_mode is not None:
        return block.style_mode
    return "replace-all" if block.style is not None else NEW_STYLE_MODE


class InspectorPanel(QWidget):
    """Shows the document's current block; finished edits become core commands."""

    errorRaised = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.title = QLabel("No block selected")
        self.text = QLineEdit()
        self.prompt_syntax = QCheckBox("Prompt syntax")
        self.prompt_syntax.setToolTip(SYNTAX_HELP)
        self.secondary = QLineEdit()
        self.start = QLineEdit()
        self.end = QLineEdit()
        self.style = QLineEdit()
        self.style.setPlaceholderText("project style (type phrases for this block)")
        self.style_mode = QComboBox()
        for value, title, tip in STYLE_MODE_ITEMS:
            self.style_mode.addItem(title, value)
            self.style_mode.setItemData(self.style_mode.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.style_mode.setToolTip("How this block's style meets the project's")
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setSpecialValueText("project seed")
        self.iterations = QSpinBox()
        self.iterations.setRange(-1, 100000)
        self.iterations.setSpecialValueText("project default")
        for box in (self.seed, self.iterations):
            box.setKeyboardTracking(False)
        help_label = QLabel(PROMPT_HELP)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: #8d96a8;")

        form = QFormLayout()
        form.addRow("Text", self.text)
        form.addRow("", self.prompt_syntax)
        form.addRow("", help_label)
        form.addRow("Secondary", self.secondary)
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("Style override", self.style)
        form.addRow("", self.style_mode)
        form.addRow("Seed", self.seed)
        form.addRow("Iterations", self.iterations)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addStretch(1)

        self.text.returnPressed.connect(self._on_text_return)  # before editingFinished
        self.text.editingFinished.connect(self._on_text_edited)
        self.secondary.editingFinished.connect(self._on_text_edited)
        self.start.editingFinished.connect(lambda: self._on_time_edited("start"))
        self.end.editingFinished.connect(lambda: self._on_time_edited("end"))
        self.style.editingFinished.connect(self._on_style_edited)
        self.style_mode.activated.connect(self._on_style_mode_chosen)  # the user's choices only
        self.prompt_syntax.clicked.connect(self._on_syntax_clicked)  # the user's clicks only
        self.seed.valueChanged.connect(lambda v: self._set_field("seed", None if v < 0 else v))
        self.iterations.valueChanged.connect(lambda v: self._set_field("iterations", None if v < 0 else v))
        document.changed.connect(self._on_model_changed)
        document.selectionChanged.connect(self._on_model_changed)
        self._on_model_changed()

    def focus_text(self):
        self.text.setFocus()
        self.text.selectAll()

    def _on_model_changed(self, *_):
        b = self.document.current_block()
        self.setEnabled(b is not None)
        self._updating = True
        try:
            if b is None:
                self.title.setText("No block selected")
                for w in (self.text, self.secondary, self.start, self.end, self.style):
                    w.setText("")
                self.seed.setValue(-1)
                self.iterations.setValue(-1)
                self.prompt_syntax.setCheckState(Qt.CheckState.Unchecked)
                self.style_mode.setCurrentIndex(self.style_mode.findData(NEW_STYLE_MODE))
                return
            n = len(self.document.selection)
            self.title.setText(f"Block {self.document.project.index_of(b.id) + 1}" + (f" ({n} selected)" if n > 1 else ""))
            for w, value in ((self.text, b.text), (self.secondary, b.secondary),
                             (self.start, format_clock(b.start_ms)),
                             (self.end, format_clock(b.end_ms)),
                             (self.style, format_prompts(b.style.phrases) if b.style else "")):
                if w.text() != value:
                    w.setText(value)
            self.seed.setValue(-1 if b.seed is None else b.seed)
            self.iterations.setValue(-1 if b.iterations is None else b.iterations)
            self.style_mode.setCurrentIndex(self.style_mode.findData(shown_style_mode(b)))
            syntax = {uses_prompt_syntax(x) for x in self._selected_blocks()}
            self.prompt_syntax.setCheckState(Qt.CheckState.PartiallyChecked if len(syntax) > 1 else
                                             Qt.CheckState.Checked if syntax == {True} else Qt.CheckState.Unchecked)
        finally:
            self._updating = False

    def _run(self, command) -> bool:
        if not self.document.try_execute(command):  # refused: show the model's values again
            self._on_model_changed()
            return False
        return True

    def _on_text_edited(self) -> bool:
        """Commit the Text and Secondary fields; False when the edit was refused."""
        b = self.document.current_block()
        if b is not None and (self.text.text(), self.secondary.text()) != (b.text, b.secondary):
            return self._run(set_text(self.document.project, b.id, self.text.text(), self.secondary.text()))
        return True

    def _on_text_return(self):
        b = self.document.current_block()
        if b is None:
            return
        if not self._on_text_edited():
            return  # refused: the field shows the block's text again, stay on it
        blocks = self.document.project.blocks
        i = next((k for k, x in enumerate(blocks) if x.id == b.id), None)
        if i is not None and i + 1 < len(blocks):
            self.document.select([blocks[i + 1].id])
            self.focus_text()

    def _on_time_edited(self, edge: str):
        b = self.document.current_block()
        if b is None:
            return
        widget = self.start if edge == "start" else self.end
        ms = parse_time(widget.text().strip())
        if ms is None:
            self.errorRaised.emit(f"{widget.text()!r} is not a time; write mm:ss.mmm or seconds")
            self._on_model_changed()
            return
        if ms != (b.start_ms if edge == "start" else b.end_ms):
            self._run(resize_block(self.document.project, b.id, **{f"{edge}_ms": ms}))

    def _on_style_edited(self):
        b = self.document.current_block()
        if b is None:
            return
        try:
            phrases = parse_style_prompts(self.style.text())
        except DreamreelError as e:
            self.errorRaised.emit(f"Style: {e}")
            self._on_model_changed()
            return
        style = Style(phrases=phrases, negatives=b.style.negatives if b.style else []) if phrases else None
        if style == b.style:
            return
        fields = {"style": style}
        if b.style is None and b.style_mode is None:  # the first override: by the mode the combo shows
            fields["style_mode"] = self.style_mode.currentData()
        self._run(SetBlockFields(block_id=b.id, fields=fields, label="Edit style"))

    def _on_style_mode_chosen(self, index: int):
        b = self.document.current_block()
        value = self.style_mode.itemData(index)
        if b is not None and value != shown_style_mode(b):
            self._run(SetBlockFields(block_id=b.id, fields={"style_mode": value}, label="Style mode"))

    def _selected_blocks(self) -> list:
        """The selected blocks (the inspector's block when the selection is empty)."""
        project = self.document.project
        blocks = [project.block(i) for i in self.document.selection]
        current = self.document.current_block()
        return blocks or ([current] if current is not None else [])

    def _on_syntax_clicked(self, checked: bool):
        """Prompt syntax on/off for every selected block: one undo step."""
        blocks = [b for b in self._selected_blocks() if uses_prompt_syntax(b) != checked]
        if not blocks:
            self._on_model_changed()
            return
        label = "Prompt syntax " + ("on" if checked else "off")
        self._run(SetBlocksFields(block_ids=[b.id for b in blocks], fields={"prompt_syntax": checked}, label=label))
        self._on_model_changed()  # a partial state becomes the one chosen

    def _set_field(self, name: str, value):
        b = self.document.current_block()
        if getattr(self, "_updating", False) or b is None or getattr(b, name) == value:
            return
        self._run(SetBlockFields(block_id=b.id, fields={name: value}, label=f"Edit {name}"))
