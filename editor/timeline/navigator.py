"""Whole-song navigation under the timeline: an overview strip, a scrollbar and a zoom slider.

The overview draws every block of the song (one thin bar each, batched) and the visible range
as a rectangle the artist drags to pan, or clicks to centre; the scrollbar and the zoom
slider move the same view. All three follow the view box's range, never keep their own copy.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollBar, QSlider, QVBoxLayout, QWidget

from dreamreel.editor.theme import ACCENT, state_colour
from dreamreel.editor.timeline.blocks_item import STATE_ORDER, paint_columns
from dreamreel.editor.timeline.state_legend import StateLegend

MIN_SPAN_S = 0.5  # the zoom slider's closest view
SLIDER_STEPS = 1000


def _palette() -> np.ndarray:
    """RGBA per state code (STATE_ORDER), then the selection's accent."""
    colours = [state_colour(state) for state in STATE_ORDER] + [QColor(ACCENT)]
    return np.array([(c.red(), c.green(), c.blue(), 255) for c in colours], np.uint8)


class OverviewStrip(QWidget):
    """The whole song in a strip: blocks, playhead and the view rectangle (drag to pan)."""

    panRequested = Signal(float)  # the new view start in seconds

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.duration_s = 10.0
        self.view = (0.0, 10.0)
        self.playhead_s = 0.0
        self.state_of = lambda block_id: ("none", 0.0)
        self._grab: float | None = None  # seconds between the press and the view start
        self._revision = 0  # bumped by anything the block bars show: model, selection, states
        self._bars: QPixmap | None = None  # the block bars, redrawn only when they change
        self._bars_key = None
        self.setFixedHeight(26)
        self.setObjectName("overview")
        self.setToolTip("Whole song: drag the rectangle to move the view, click to centre it there")
        self.setCursor(Qt.PointingHandCursor)
        document.changed.connect(lambda *_: self.invalidate())
        document.selectionChanged.connect(self.invalidate)

    def invalidate(self):
        """The blocks, the selection or their states changed: redraw the bars on the next paint."""
        self._revision += 1
        self.update()

    def set_view(self, x0: float, x1: float, duration_s: float):
        self.view, self.duration_s = (x0, x1), max(0.001, duration_s)
        self.update()

    def set_playhead(self, seconds: float):
        self.playhead_s = seconds
        self.update()

    def _x(self, seconds: float) -> float:
        return seconds / self.duration_s * max(1, self.width())

    def _s(self, x: float) -> float:
        return x / max(1, self.width()) * self.duration_s

    def view_rect(self) -> QRectF:
        x0, x1 = (self._x(t) for t in self.view)
        return QRectF(x0, 1, max(4.0, x1 - x0), self.height() - 2)

    def _draw_bars(self) -> QPixmap:
        w, h = max(1, self.width()), self.height()
        pix = QPixmap(w, h)
        pix.fill(QColor("#101319"))
        blocks = self.document.project.blocks
        if blocks:  # one numpy pass for every block (2,000: a Python loop per block took 20 ms)
            scale = w / self.duration_s / 1000.0
            xs = np.fromiter((b.start_ms for b in blocks), float, len(blocks)) * scale
            xe = np.fromiter((b.end_ms for b in blocks), float, len(blocks)) * scale
            selected = set(self.document.selection)
            order = {state: n for n, state in enumerate(STATE_ORDER)}
            codes = np.fromiter((len(STATE_ORDER) if b.id in selected else order.get(self.state_of(b.id)[0], 0)
                                 for b in blocks), np.int64, len(blocks))
            p = QPainter(pix)
            paint_columns(p, xs, xe, codes, _palette(), w, QRectF(0, 6, w, h - 12), edge=(0x10, 0x13, 0x19, 255))
            p.end()
        return pix

    def paintEvent(self, _ev):
        key = (self._revision, self.width(), self.height(), self.duration_s)
        if key != self._bars_key or self._bars is None:
            self._bars, self._bars_key = self._draw_bars(), key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._bars)
        h = self.height()
        p.setPen(QPen(QColor("#ff5d5d"), 1))
        x = self._x(self.playhead_s)
        p.drawLine(int(x), 0, int(x), h)
        p.setPen(QPen(QColor("#e6e6ea"), 1))
        p.setBrush(QColor(255, 255, 255, 36))
        p.drawRect(self.view_rect().adjusted(0.5, 0.5, -0.5, -0.5))
        p.end()

    def mousePressEvent(self, ev):
        if ev.button() != Qt.LeftButton:
            return
        x = ev.position().x()
        rect = self.view_rect()
        span = self.view[1] - self.view[0]
        if not rect.contains(ev.position()):  # click outside: centre the view there, then drag
            self.panRequested.emit(self._s(x) - span / 2)
        self._grab = self._s(x) - self.view[0] if rect.contains(ev.position()) else span / 2

    def mouseMoveEvent(self, ev):
        if self._grab is not None:
            self.panRequested.emit(self._s(ev.position().x()) - self._grab)

    def mouseReleaseEvent(self, _ev):
        self._grab = None


class Navigator(QWidget):
    """Overview strip on top; the scrollbar below it, full width; the state legend and a zoom slider under that. Talks to a TimelineView."""

    def __init__(self, timeline, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.overview = OverviewStrip(timeline.document, self)
        self.scrollbar = QScrollBar(Qt.Horizontal, self)
        self.scrollbar.setObjectName("timeline_scrollbar")
        self.zoom = QSlider(Qt.Horizontal, self)
        self.zoom.setObjectName("zoom_slider")
        self.zoom.setRange(0, SLIDER_STEPS)
        self.zoom.setFixedWidth(160)
        self.zoom.setToolTip("Zoom: left shows the whole song, right a fraction of a second (Ctrl+wheel, Ctrl+=/-)")
        self._updating = False
        # The scrollbar has its own row (the full width: a thumb you can grab at 2,000 blocks);
        # the state legend and the zoom slider share the row below it.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.legend = StateLegend(self)
        row.addWidget(self.legend)
        row.addStretch(1)
        row.addWidget(QLabel("Zoom"))
        row.addWidget(self.zoom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.overview)
        layout.addWidget(self.scrollbar)
        layout.addLayout(row)
        self.overview.panRequested.connect(self._pan_to)
        self.scrollbar.valueChanged.connect(lambda v: self._updating or self._pan_to(v / 1000.0))
        self.zoom.valueChanged.connect(self._on_zoom_slider)

    # --- the view -> the widgets --------------------------------------------------------------

    def sync(self):
        """Follow the view box (called on every range change)."""
        x0, x1 = self.timeline.vb.viewRange()[0]
        d = self.timeline.duration_s()
        self._updating = True
        try:
            span_ms = int((x1 - x0) * 1000)
            self.scrollbar.setRange(0, max(0, int(d * 1000) - span_ms))
            self.scrollbar.setPageStep(max(1, span_ms))
            self.scrollbar.setSingleStep(max(1, span_ms // 10))
            self.scrollbar.setValue(int(max(0.0, x0) * 1000))
            self.zoom.setValue(self.slider_for_span(x1 - x0, d))
        finally:
            self._updating = False
        self.overview.set_view(x0, x1, d)

    @staticmethod
    def slider_for_span(span_s: float, duration_s: float) -> int:
        lo, hi = math.log(MIN_SPAN_S), math.log(max(duration_s, MIN_SPAN_S * 2))
        f = (hi - math.log(min(max(span_s, MIN_SPAN_S), math.exp(hi)))) / (hi - lo)
        return int(round(f * SLIDER_STEPS))

    @staticmethod
    def span_for_slider(value: int, duration_s: float) -> float:
        lo, hi = math.log(MIN_SPAN_S), math.log(max(duration_s, MIN_SPAN_S * 2))
        return math.exp(hi - value / SLIDER_STEPS * (hi - lo))

    # --- the widgets -> the view --------------------------------------------------------------

    def _pan_to(self, x0: float):
        vx0, vx1 = self.timeline.vb.viewRange()[0]
        span = vx1 - vx0
        d = self.timeline.duration_s()
        x0 = max(0.0, min(d - span, x0)) if span < d else 0.0
        self.timeline.vb.setXRange(x0, x0 + span, padding=0)

    def _on_zoom_slider(self, value: int):
        if self._updating:
            return
        self.timeline.set_span(self.span_for_slider(value, self.timeline.duration_s()))
