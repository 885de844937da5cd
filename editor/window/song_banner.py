"""The song banner: one strip above the timeline saying the project's song is missing or has
changed since the project was saved (what changed, blocks past its new end), with a
"Locate song…" button. The check (`core.song_check`, hash cached by path/size/mtime) runs off
the GUI thread whenever another project is opened or the song is set; hidden when all is well.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from dreamreel.editor.background import Background


class SongBanner(QFrame):
    """Hidden unless the document's song is missing or changed; `locateRequested` on the button."""

    locateRequested = Signal()

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("song_banner")
        self.setStyleSheet("#song_banner { background: #5c3b00; } QLabel { color: #ffe7b0; }")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.button = QPushButton("Locate song…")
        self.button.clicked.connect(self.locateRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.holder = None  # the widget to show/hide instead of this one (the window's song toolbar)
        self.state = "none"  # of the last check: none | ok | missing | changed | pending
        self._document = document
        self._generation = 0
        self._background = Background(self, name="dreamreel-songcheck")
        document.projectReplaced.connect(self.recheck)
        document.changed.connect(lambda change: self.recheck() if change.kind in ("audio", "all") else None)

    def recheck(self) -> None:
        """Check the current project's song in a worker; the banner follows the answer."""
        from dreamreel.core.song_check import check_song
        from dreamreel.editor.render.render_worker import snapshot

        self._generation += 1
        generation, project = self._generation, self._document.project
        if project.audio is None:
            self._show(generation, None)
            return
        self.state = "pending"
        self._background.submit(check_song, snapshot(project), on_done=lambda c: self._show(generation, c),
                                on_error=lambda e: self._show(generation, None, f"song: cannot be checked ({e})"))

    def _show(self, generation: int, check, error: str = "") -> None:
        if generation != self._generation:
            return  # an older check, overtaken by a newer project or song
        self.state = "none" if check is None else check.state
        text = error or (check.message(hint="use Locate song… to point the project at it")
                         if check is not None and check.state in ("missing", "changed") else "")
        self.label.setText(text)
        (self.holder or self).setVisible(bool(text))

    def shutdown(self) -> None:
        self._background.shutdown(wait=True)
