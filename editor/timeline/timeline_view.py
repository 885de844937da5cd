"""The timeline: waveform, beat grid, onsets, playhead and the blocks lane in one pyqtgraph plot.

X is in seconds. On every range change the waveform is rebuilt from the core peaks pyramid for
just the visible span at the detail the width needs (a few thousand points at most), so a
10-minute song pans and zooms smoothly. Peaks and analysis are computed off the GUI thread
(`Background`), which hands back plain core objects.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dreamreel.core.clock import format_clock
from dreamreel.editor.background import Background
from dreamreel.editor.timeline.blocks_item import BlocksItem
from dreamreel.editor.timeline.navigator import Navigator
from dreamreel.core.snapping import Snapper

WAVE_Y = (-1.0, 1.0)
LANE_Y = (-2.0, -1.12)
MAX_POINTS = 3000


class TimeAxis(pg.AxisItem):
    """Bottom axis labelled mm:ss, with as many decimals as the tick spacing needs."""

    def tickStrings(self, values, scale, spacing):
        decimals = next((d for d, step in enumerate((1.0, 0.1, 0.01)) if spacing >= step * 0.999), 3)
        return [format_clock(v * 1000, decimals) for v in values]


class TimelineViewBox(pg.ViewBox):
    """Wheel scrolls, Ctrl+wheel zooms round the mouse, left click/drag seeks, middle/right drag pans."""

    seekRequested = Signal(float)  # seconds
    click_set = None  # click-to-set mode: callable(edge, t_ms), set by the timeline

    def wheelEvent(self, ev, axis=None):
        delta = ev.delta()
        x0, x1 = self.viewRange()[0]
        if ev.modifiers() & Qt.ControlModifier:
            centre = self.mapToView(ev.pos()).x()
            self.scaleBy(x=0.85 ** (delta / 120.0), center=QPointF(centre, 0))
        else:
            self.translateBy(x=-(delta / 120.0) * 0.1 * (x1 - x0))
        ev.accept()

    def mouseClickEvent(self, ev):
        t = max(0.0, self.mapToView(ev.pos()).x())
        if self.click_set is not None and ev.button() in (Qt.LeftButton, Qt.RightButton):
            ev.accept()
            self.click_set("start" if ev.button() == Qt.LeftButton else "end", int(round(t * 1000)))
        elif ev.button() == Qt.LeftButton:
            ev.accept()
            self.seekRequested.emit(t)

    def mouseDragEvent(self, ev, axis=None):
        ev.accept()
        if ev.button() == Qt.LeftButton:
            self.seekRequested.emit(max(0.0, self.mapToView(ev.pos()).x()))
        else:
            moved = self.mapToView(ev.pos()).x() - self.mapToView(ev.lastPos()).x()
            self.translateBy(x=-moved)


class WaveformItem(pg.GraphicsObject):
    """The visible part of the waveform as one filled min/max outline."""

    def __init__(self):
        super().__init__()
        self._path = QPainterPath()
        self._pen = pg.mkPen(QColor("#5fa8d3"), width=1, cosmetic=True)
        self._brush = QBrush(QColor(95, 168, 211, 140))
        self._rect = QRectF()
        self.setZValue(-5)

    def set_data(self, times, mins, maxs) -> None:
        self.prepareGeometryChange()
        if len(times) == 0:
            self._path, self._rect = QPainterPath(), QRectF()
        else:
            x = np.concatenate([times, times[::-1]])
            y = np.concatenate([np.asarray(maxs, float), np.asarray(mins, float)[::-1]])
            self._path = pg.arrayToQPath(x, y, connect="all")
            self._path.closeSubpath()
            self._rect = self._path.boundingRect()
        self.update()

    def boundingRect(self):
        return self._rect

    def paint(self, p, *_):
        p.setPen(self._pen)
        p.setBrush(self._brush)
        p.drawPath(self._path)


class TimelineView(QWidget):
    """Waveform + beats + onsets + playhead + blocks lane for the document's project."""

    seekRequested = Signal(int)  # ms
    statusMessage = Signal(str)
    analysisReady = Signal()
    edgeClicked = Signal(str, int)  # click-to-set mode: ("start" | "end", ms)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.peaks = None
        self.beats_ms = np.zeros(0, np.int64)
        self.onsets_ms = np.zeros(0, np.int64)
        self.follow = False
        self.show_beats = True
        self.show_onsets = True
        self._playhead_ms = 0
        self._token = 0
        self._background = Background(self, name="dreamreel-audio")
        self._snapper = Snapper()

        self.vb = TimelineViewBox(enableMenu=False)
        self.plot = pg.PlotWidget(viewBox=self.vb, axisItems={"bottom": TimeAxis("bottom")}, background="#161a22")
        self.plot.hideButtons()
        self.plot.hideAxis("left")
        self.plot.getPlotItem().setContentsMargins(4, 4, 4, 0)
        self.vb.setMouseEnabled(x=True, y=False)
        self.vb.disableAutoRange()
        self.vb.setYRange(LANE_Y[0] - 0.05, WAVE_Y[1] + 0.08, padding=0)

        self.wave = WaveformItem()  # zoomed in far: bins wider than a pixel, a filled outline
        # zoomed out: one vertical min-max line per bin (pyqtgraph draws "pairs" as line segments,
        # far cheaper than filling a self-intersecting outline of thousands of points)
        self.wave_lines = pg.PlotCurveItem(pen=pg.mkPen(QColor(95, 168, 211), width=1), connect="pairs")
        self.beat_lines = pg.PlotCurveItem(pen=pg.mkPen(QColor(255, 255, 255, 38), width=1), connect="pairs")
        self.onset_lines = pg.PlotCurveItem(pen=pg.mkPen(QColor(255, 140, 90, 150), width=1), connect="pairs")
        self.blocks = BlocksItem(document, *LANE_Y)
        self.blocks.snap_source = self._snap_source
        self.guide = pg.InfiniteLine(angle=90, pen=pg.mkPen("#9ecbff", width=1, style=Qt.DashLine))
        self.guide.setVisible(False)
        self.playhead = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#ff5d5d", width=2),
                                        hoverPen=pg.mkPen("#ff9b9b", width=3))
        for item in (self.wave, self.wave_lines, self.beat_lines, self.onset_lines, self.blocks, self.guide, self.playhead):
            self.vb.addItem(item)
        self.playhead.setZValue(20)
        self.guide.setZValue(19)

        self.navigator = Navigator(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot)
        layout.addWidget(self.navigator)
        self.empty_hint = QLabel("Drop a song and its lyrics here\n(or File ▸ Import audio…, then Import lyrics)",
                                 self.plot)
        self.empty_hint.setObjectName("empty_hint")
        self.empty_hint.setAlignment(Qt.AlignCenter)
        self.empty_hint.setStyleSheet("color: #9aa3b5; font-size: 15px; background: transparent;")
        self.empty_hint.setAttribute(Qt.WA_TransparentForMouseEvents)

        self.vb.sigXRangeChanged.connect(self._on_range_changed)
        document.changed.connect(lambda *_: self._update_empty_hint())
        self.vb.seekRequested.connect(lambda s: self.seekRequested.emit(int(round(s * 1000))))
        self.playhead.sigDragged.connect(lambda line: self.seekRequested.emit(max(0, int(round(line.value() * 1000)))))
        self.blocks.guideChanged.connect(self._on_guide_changed)
        document.projectReplaced.connect(self._on_project_replaced)
        document.changed.connect(self._on_model_changed)
        self._on_project_replaced()

    # --- audio ------------------------------------------------------------------------------

    def _on_project_replaced(self):
        self._token += 1
        self.peaks = None
        self.beats_ms = self.onsets_ms = np.zeros(0, np.int64)
        self._snapper = Snapper()
        self._apply_limits()
        self.fit()
        self._load_audio()
        self._update_empty_hint()

    def _on_model_changed(self, change):
        # ("all" comes right after projectReplaced, which has already started the audio work)
        if change.kind == "audio":
            self._token += 1
            self._apply_limits()
            self.fit()  # a new song: show all of it, not the first 10 s
            self._load_audio()

    def _update_empty_hint(self):
        p = self.document.project
        self.empty_hint.setVisible(p.audio is None and not p.blocks)
        self.empty_hint.setGeometry(self.plot.rect())

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self.empty_hint.setGeometry(self.plot.rect())

    def _load_audio(self):
        project = self.document.project
        path = project.audio_path()
        if path is None or not path.exists():
            self._refresh_visible()
            if path is not None:
                self.statusMessage.emit(f"Audio file not found: {path}")
            return
        from functools import partial

        from dreamreel.core.audio import load_or_analyze, load_or_build_peaks
        from dreamreel.core.audio.cache import default_cache_dir

        token, sha256, cache = self._token, project.audio.sha256 or None, default_cache_dir()
        failed = partial(self._on_worker_failed, token)
        self._background.submit(partial(load_or_build_peaks, path, cache, sha256=sha256),
                                on_done=partial(self._on_peaks_ready, token), on_error=failed)
        self._background.submit(partial(load_or_analyze, path, cache, sha256=sha256),
                                on_done=partial(self._on_analysis_ready, token), on_error=failed)

    def audio_pending(self) -> bool:
        """True while peaks or analysis of the song are still being computed."""
        return self._background.busy()

    def shutdown(self) -> None:
        """Stop audio work (waits for a running step); call before the window goes away."""
        self._background.shutdown(wait=True)

    def _on_peaks_ready(self, token, peaks):
        if token == self._token:
            grew = self.peaks is None and int(peaks.duration_s * 1000) > (self.document.project.duration_ms or 0)
            self.peaks = peaks
            self._apply_limits()
            if grew:
                self.fit()
            self._refresh_visible()

    def _on_analysis_ready(self, token, analysis):
        if token != self._token:
            return
        self.set_analysis(analysis.beats, analysis.onsets)
        self.statusMessage.emit(f"Analysis ready: {analysis.tempo_bpm:.1f} BPM, "
                                f"{len(self.beats_ms)} beats, {len(self.onsets_ms)} onsets")
        self.analysisReady.emit()

    def _on_worker_failed(self, token, error: Exception):
        from dreamreel.core.errors import DreamreelError

        if token == self._token:
            message = str(error) if isinstance(error, DreamreelError) else f"audio analysis failed: {error}"
            self.statusMessage.emit(message)

    def set_analysis(self, beats_s, onsets_s):
        """Use these beats/onsets (seconds) directly, e.g. from a test or a cached analysis."""
        self.beats_ms = (np.asarray(beats_s, float) * 1000).round().astype(np.int64)
        self.onsets_ms = (np.asarray(onsets_s, float) * 1000).round().astype(np.int64)
        self._snapper = Snapper(beats=self.beats_ms.tolist(), onsets=self.onsets_ms.tolist())
        self._refresh_visible()

    # --- view -------------------------------------------------------------------------------

    def duration_s(self) -> float:
        p = self.document.project
        ends = [p.duration_ms or 0, p.blocks[-1].end_ms if p.blocks else 0]
        if self.peaks is not None:
            ends.append(int(self.peaks.duration_s * 1000))
        return max(ends + [10000]) / 1000.0

    def _apply_limits(self):
        d = self.duration_s()
        self.vb.setLimits(xMin=-0.02 * d, xMax=d * 1.02, minXRange=0.05, maxXRange=d * 1.04)

    def fit(self):
        self.vb.setXRange(0, self.duration_s(), padding=0.01)

    def set_span(self, span_s: float):
        """Show span_s seconds, centred on the playhead when it is in view (zoom slider)."""
        x0, x1 = self.vb.viewRange()[0]
        ph = self._playhead_ms / 1000.0
        centre = ph if x0 <= ph <= x1 else (x0 + x1) / 2
        start = max(0.0, min(self.duration_s() - span_s, centre - span_s / 2))
        self.vb.setXRange(start, start + span_s, padding=0)

    def reveal(self, ms: int):
        """Pan (keeping the zoom) so ms is in view: keyboard moves of the playhead stay visible."""
        x0, x1 = self.vb.viewRange()[0]
        t, span = ms / 1000.0, x1 - x0
        if not (x0 + 0.02 * span <= t <= x1 - 0.02 * span):
            start = max(0.0, t - span / 3)
            self.vb.setXRange(start, start + span, padding=0)

    def set_click_set(self, on: bool):
        """Click-to-set mode (Aegisub): left click = start, right click = end of the selected block."""
        handler = (lambda edge, ms: self.edgeClicked.emit(edge, ms)) if on else None
        self.vb.click_set = handler
        self.blocks.click_set = handler

    def zoom(self, factor: float):
        """Zoom in (factor < 1) or out around the playhead when it is visible, else the centre."""
        x0, x1 = self.vb.viewRange()[0]
        ph = self._playhead_ms / 1000.0
        centre = ph if x0 <= ph <= x1 else (x0 + x1) / 2
        self.vb.scaleBy(x=factor, center=QPointF(centre, 0))

    def set_playhead(self, ms: int):
        self._playhead_ms = int(ms)
        self.playhead.setValue(ms / 1000.0)
        self.navigator.overview.set_playhead(ms / 1000.0)
        if self.follow:
            x0, x1 = self.vb.viewRange()[0]
            half = (x1 - x0) / 2
            if abs((x0 + half) - ms / 1000.0) > 0.002 * half:
                self.vb.setXRange(ms / 1000.0 - half, ms / 1000.0 + half, padding=0)

    def set_snapping(self, on: bool):
        self.blocks.snap_enabled = on

    def set_show_beats(self, on: bool):
        self.show_beats = on
        self._refresh_visible()

    def set_show_onsets(self, on: bool):
        self.show_onsets = on
        self._refresh_visible()

    def _snap_source(self) -> Snapper:
        self._snapper.playhead = self._playhead_ms
        return self._snapper

    def _on_guide_changed(self, x):
        self.guide.setVisible(x is not None)
        if x is not None:
            self.guide.setValue(x)

    def _on_range_changed(self, *_):
        self._refresh_visible()
        self.navigator.sync()

    def _refresh_visible(self):
        """Rebuild only what the visible range needs: waveform detail, beats and onsets in view."""
        x0, x1 = self.vb.viewRange()[0]
        width_px = max(200, self.vb.width() or 1000)
        times, mins, maxs = ([], [], []) if self.peaks is None else \
            self.peaks.for_range(max(0.0, x0), x1, min(MAX_POINTS, int(width_px * 2)))
        if len(times) >= width_px / 2:
            self.wave.set_data([], [], [])
            self.wave_lines.setData(np.repeat(times, 2), np.column_stack([mins, maxs]).ravel(), connect="pairs")
        else:
            self.wave_lines.setData([], [])
            self.wave.set_data(times, mins, maxs)
        self._set_marks(self.beat_lines, self.beats_ms if self.show_beats else None, x0, x1, width_px, WAVE_Y)
        self._set_marks(self.onset_lines, self.onsets_ms if self.show_onsets else None, x0, x1, width_px,
                        (0.75, WAVE_Y[1]))

    @staticmethod
    def _set_marks(item, marks_ms, x0, x1, width_px, ys):
        if marks_ms is None or len(marks_ms) == 0:
            item.setData([], [])
            return
        lo, hi = np.searchsorted(marks_ms, [x0 * 1000, x1 * 1000])
        visible = marks_ms[lo:hi] / 1000.0
        if len(visible) > width_px / 3:  # too dense to read: thin out rather than paint a grey wall
            visible = visible[:: int(np.ceil(len(visible) / (width_px / 3)))]
        x = np.repeat(visible, 2)
        y = np.tile(np.array(ys, float), len(visible))
        item.setData(x, y, connect="pairs")
