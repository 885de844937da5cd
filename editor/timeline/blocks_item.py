"""The blocks lane: ONE graphics item that draws and edits every block of the project.

One item (not one pyqtgraph region per block) keeps a 400-block song cheap to paint and lets
hit-testing work in screen pixels, so edge handles are the same size at every zoom. X is in
seconds (the plot's unit); the model is read straight from the document on every paint.
A drag shows a live preview inside the item and pushes ONE core command on release.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QPixmap, QTransform

from dreamreel.core.commands import InsertBlock, move_blocks, resize_block, roll_edge
from dreamreel.core.errors import CommandError
from dreamreel.core.project import MIN_BLOCK_MS, Block
from dreamreel.editor.theme import ACCENT, STATE_HELP, STATE_LABELS, state_colour
from dreamreel.core.snapping import (Snapper, clamp_edge, clamp_move, clamp_roll, free_span, neighbour_edges,
                                       touching_partner)

EDGE_PX = 6  # width of the resize handle at each block edge, in screen pixels
SNAP_PX = 8  # how close (in pixels) an edge must come to a candidate to snap
THIN_PX = 10  # narrower blocks are painted together as coloured pixel columns (no text, corners or picture)
THUMB_PX = 256  # the block pictures are kept at most this big (they fill the block body)
MIN_THUMB_PX = 24  # narrower blocks show their state colour, not their picture
STRIP_PX = 5  # the state colour under a block's picture
STATE_ORDER = ("none", "queued", "rendering", "cached", "stale")  # codes of the thin-block palette
MIN_TEXT_PX = 70  # narrower text columns get one elided line, not word wrap


@dataclass
class _Drag:
    """What a drag in progress does; `preview` holds the live times shown until release."""

    mode: str  # "move", "start", "end", "create", "band"
    block_id: str | None
    press_ms: int
    preview: dict[str, tuple[int, int]]
    band: tuple[int, int] | None = None
    allow_overlap: bool = False
    partner: str | None = None  # an edge drag of a shared edge: the touching block (roll edit)


def paint_columns(p: QPainter, xs: np.ndarray, xe: np.ndarray, codes: np.ndarray, palette: np.ndarray, width: int,
                  target: QRectF, edge=(0x14, 0x16, 0x1B, 255)) -> None:
    """Many narrow blocks at once: one row of `width` pixel columns coloured in numpy (each
    block's `palette[code]` RGBA over the columns it covers, an `edge` column at its start when
    it is 3 px or wider, transparent between blocks), stretched over `target`. No Python work
    or Qt rect per block: the cost of a whole song in view is a few numpy passes."""
    if len(xs) == 0:
        return
    w = max(1, int(width))
    first = np.clip(np.floor(xs), 0, w).astype(np.int64)
    last = np.clip(np.maximum(np.ceil(xe), first + 1), 0, w).astype(np.int64)
    lengths = np.maximum(0, last - first)
    total = int(lengths.sum())
    row = np.zeros((1, w, 4), np.uint8)
    if total:
        owner = np.repeat(np.arange(len(xs)), lengths)
        column = np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        row[0, column] = palette[codes[owner]]
        edges = first[(xe - xs) >= 3]
        row[0, edges[edges < w]] = edge
    image = QImage(row.data, w, 1, w * 4, QImage.Format.Format_RGBA8888)
    p.drawImage(target, image)


def wrap_elided(fm: QFontMetrics, text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most max_lines lines of `width` px; the last line is elided."""
    words, lines, current = text.split(), [], ""
    for i, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if fm.horizontalAdvance(trial) <= width or not current:
            current = trial
            continue
        if len(lines) == max_lines - 1:
            current = " ".join([current] + words[i:])
            break
        lines.append(current)
        current = word
    lines.append(current)
    return [fm.elidedText(line, Qt.ElideRight, width) for line in lines[:max_lines]]


def live_text(start_ms: int, end_ms: int) -> str:
    """`00:04.120 → 00:08.000 · 3.880 s`: what a drag shows while it moves."""
    from dreamreel.core.clock import format_clock

    return f"{format_clock(start_ms)} → {format_clock(end_ms)} · {(end_ms - start_ms) / 1000:.3f} s"


class BlocksItem(pg.GraphicsObject):
    """Draws all blocks of `document.project` in the lane y0..y1 and turns mouse drags into commands."""

    guideChanged = Signal(object)  # float seconds of the snap guide, or None
    editRequested = Signal(str)  # double-click on a block: focus its text
    errorRaised = Signal(str)  # a rejected edit, in plain words
    dragInfo = Signal(str)  # live times of the block being dragged ("" when the drag ends)

    def __init__(self, document, y0: float, y1: float):
        super().__init__()
        self.document = document
        self.y0, self.y1 = y0, y1
        self.snap_enabled = True
        self.snap_source = lambda: Snapper()  # set by the timeline: beats, onsets, playhead
        self.state_of = lambda block_id: ("none", 0)  # set from the render controller
        self.thumbnail_of = lambda block_id: None
        self.click_set = None  # click-to-set mode: a callable(edge, t_ms) the timeline sets, else None
        self._drag: _Drag | None = None
        self._thumbs: dict[str, QPixmap] = {}
        self._styles: dict[tuple[str, bool], tuple[QPen, QBrush]] = {}
        self._font = QFont()
        self._font.setPointSizeF(9.0)
        self._fm = QFontMetrics(self._font)
        self._wrap_cache: dict[tuple[str, int, int], list[str]] = {}
        self._times_cache = None  # (blocks, starts, ends) of the current model revision
        self._revision = 0  # bumped by anything the lane shows: model, selection, states, drag
        self._lane: QPixmap | None = None
        self._lane_key = None
        self.thumbnails_painted: set[str] = set()  # block ids whose picture the last redraw drew
        self._codes_key = None  # (revision, count) the state codes below were made for
        self._codes = self._chosen = None
        self._selected: set[str] = set()
        self._palette = None  # thin blocks' RGBA per state (STATE_ORDER)
        self.setAcceptHoverEvents(True)
        document.changed.connect(self._on_model_changed)
        document.selectionChanged.connect(self.invalidate)
        document.projectReplaced.connect(self._on_model_changed)

    # --- geometry --------------------------------------------------------------------------

    def _extent_s(self) -> float:
        p = self.document.project
        ends = [p.duration_ms or 0] + ([p.blocks[-1].end_ms] if p.blocks else [])
        return max(ends + [1000]) / 1000.0

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, self.y0, self._extent_s(), self.y1 - self.y0)

    def _on_model_changed(self, *_):
        self._times_cache = None
        self.prepareGeometryChange()
        self.invalidate()

    def set_states_revision(self):
        """The render states (colours, thumbnails) changed: repaint."""
        self.invalidate()

    def _to_px(self):
        """t_ms -> screen x (viewport pixels), from one item->viewport transform; hit zones are
        measured in these. Before the first show there is no transform: ms stand in for pixels."""
        tr = self.deviceTransform_()
        if tr is None:
            return lambda t_ms: t_ms
        a, c = tr.m11() / 1000.0, tr.m21() * self.y0 + tr.dx()  # x' = m11*x + m21*y + dx
        return lambda t_ms: a * t_ms + c

    def _ms_per_px(self) -> float:
        w = self.pixelWidth()
        return (w if w else 0.01) * 1000.0

    def hit(self, x_s: float) -> tuple[str | None, str | None]:
        """(block id, zone) at x seconds: zone is "start", "end", "body", or (None, None)."""
        to_px = self._to_px()  # one transform per hover, not two per block
        px = to_px(x_s * 1000.0)
        for b in self.document.project.blocks:
            s, e = to_px(b.start_ms), to_px(b.end_ms)
            if px < s - EDGE_PX or px > e + EDGE_PX:
                continue
            zone = min(EDGE_PX, (e - s) / 3)
            if abs(px - s) <= zone:
                return b.id, "start"
            if abs(px - e) <= zone:
                return b.id, "end"
            if s <= px <= e:
                return b.id, "body"
        return None, None

    # --- painting --------------------------------------------------------------------------
    # The lane is drawn into a pixmap in device pixels and re-blitted while nothing it shows
    # has changed (the playhead sweeping over it at 30 Hz repaints only a blit). A redraw
    # works on numpy arrays of block times: blocks narrower than a few pixels (a whole song
    # in view) are batched into one drawRects per style; only wide blocks get rounded corners,
    # text (wrapped lines cached per width) and a thumbnail.

    def invalidate(self):
        """Something the lane shows changed: redraw the cached picture on the next paint."""
        self._revision += 1
        self.update()

    def _arrays(self):
        if self._times_cache is None:
            blocks = self.document.project.blocks
            self._times_cache = (blocks, np.array([b.start_ms for b in blocks], float),
                                 np.array([b.end_ms for b in blocks], float))
        return self._times_cache

    def paint(self, p: QPainter, *_):
        tr = p.transform()  # item -> device, as the view set it up for us
        top, bottom = tr.map(QPointF(0, self.y1)).y(), tr.map(QPointF(0, self.y0)).y()
        top, bottom = int(min(top, bottom)) + 2, int(max(top, bottom)) - 2
        device = p.device()
        width = device.width() if device is not None else 2000
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        key = (round(tr.m11(), 9), round(tr.dx(), 3), top, bottom, width, dpr, self._revision)
        if self._lane_key != key or self._lane is None:
            self._lane = self._draw_lane(tr.m11(), tr.dx(), top, bottom, width, dpr)
            self._lane_key = key
        p.save()
        p.setTransform(QTransform())  # device pixels: text and handles are never scaled
        p.drawPixmap(0, top, self._lane)
        p.restore()

    def _draw_lane(self, sx: float, dx: float, top: int, bottom: int, width: int, dpr: float) -> QPixmap:
        height = max(1, bottom - top)
        pix = QPixmap(int(max(1, width) * dpr), int(height * dpr))
        pix.setDevicePixelRatio(dpr)
        pix.fill(Qt.transparent)
        p = QPainter(pix)
        p.setFont(self._font)
        fm = self._fm
        blocks, starts, ends = self._arrays()
        if self._drag and self._drag.preview:
            starts, ends = starts.copy(), ends.copy()
            for i, b in enumerate(blocks):
                if b.id in self._drag.preview:
                    starts[i], ends[i] = self._drag.preview[b.id]
        xs, xe = starts / 1000.0 * sx + dx, ends / 1000.0 * sx + dx
        visible = np.nonzero((xe >= -1) & (xs <= width + 1))[0]
        self.thumbnails_painted = set()
        thin_mask = (xe[visible] - xs[visible]) < THIN_PX
        codes, chosen, selected = self._state_codes(blocks)
        thin = visible[thin_mask]
        self._paint_thin(p, xs[thin[~chosen[thin]]], xe[thin[~chosen[thin]]], codes[thin[~chosen[thin]]],
                         width, height)
        rects: dict[tuple[str, bool], list[QRectF]] = {}
        for i in thin[chosen[thin]].tolist():  # selected thin blocks keep their outline (few)
            rects.setdefault((self.state_of(blocks[i].id)[0], True), []).append(
                QRectF(xs[i], 0, max(1.0, xe[i] - xs[i]), height))
        for (state, sel), group in rects.items():
            pen, brush = self._style(state, sel)
            p.setPen(pen)
            p.setBrush(brush)
            p.drawRects(group)
        for i in visible[~thin_mask].tolist():
            b = blocks[i]
            self._paint_block(p, fm, b, QRectF(xs[i], 0, max(1.0, xe[i] - xs[i]), height), b.id in selected)
        if self._drag and self._drag.preview and self._drag.block_id in self._drag.preview:
            self._paint_live_label(p, fm, self._drag.preview[self._drag.block_id], sx, dx, width, height)
        if self._drag and self._drag.mode in ("create", "band") and self._drag.band:
            a, c = (t / 1000 * sx + dx for t in self._drag.band)
            p.setPen(QPen(QColor("#9ecbff"), 1, Qt.DashLine))
            p.setBrush(QColor(120, 170, 255, 50))
            p.drawRect(QRectF(min(a, c), 0, abs(c - a), height))
        p.end()
        return pix

    def _state_codes(self, blocks) -> tuple[np.ndarray, np.ndarray, set]:
        """(state index into STATE_ORDER, selected) per block and the selected ids, recomputed
        only when the lane's revision changed (model, selection, states), not on every zoom or
        pan (the document's selection sorts by timeline order: O(blocks) per call)."""
        if self._codes_key != (self._revision, len(blocks)):
            self._selected = selected = set(self.document.selection)
            order = {state: n for n, state in enumerate(STATE_ORDER)}
            self._codes = np.fromiter((order.get(self.state_of(b.id)[0], 0) for b in blocks), np.int8, len(blocks))
            self._chosen = np.fromiter((b.id in selected for b in blocks), bool, len(blocks))
            self._codes_key = (self._revision, len(blocks))
        return self._codes, self._chosen, self._selected

    def _paint_thin(self, p: QPainter, xs: np.ndarray, xe: np.ndarray, codes: np.ndarray, width: int, height: int):
        """Blocks narrower than THIN_PX, all at once (see `paint_columns`)."""
        paint_columns(p, xs, xe, codes, self._thin_palette(), width, QRectF(0, 0, max(1, int(width)), height))

    def _thin_palette(self) -> np.ndarray:
        if self._palette is None:
            colours = [self._style(state, False)[1].color() for state in STATE_ORDER]
            self._palette = np.array([(c.red(), c.green(), c.blue(), 255) for c in colours], np.uint8)
        return self._palette

    def _paint_live_label(self, p: QPainter, fm: QFontMetrics, span: tuple[int, int], sx, dx, width, height):
        """The dragged block's times, live, in a box at the bottom of the lane (Aegisub shows marker times)."""
        text = live_text(*span)
        x = min(max(2.0, span[0] / 1000 * sx + dx), max(2.0, width - fm.horizontalAdvance(text) - 12))
        box = QRectF(x, height - fm.height() - 8, fm.horizontalAdvance(text) + 10, fm.height() + 4)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(8, 10, 14, 220))
        p.drawRoundedRect(box, 3, 3)
        p.setPen(QColor("#ffe08a"))
        p.drawText(box, Qt.AlignCenter, text)

    def _paint_block(self, p: QPainter, fm: QFontMetrics, b: Block, r: QRectF, selected: bool):
        self._painting_id = b.id
        state, pct = self.state_of(b.id)
        pen, brush = self._style(state, selected)
        p.setPen(pen)
        p.setBrush(brush)
        if r.width() > 8:
            p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        else:
            p.drawRect(r)
        if state == "rendering" and pct:
            p.fillRect(QRectF(r.left(), r.bottom() - 4, r.width() * pct / 100.0, 3), state_colour("rendering").lighter(130))
        text_left, text_top = max(r.left(), 0.0) + 5, r.top() + 4  # sticky: the label stays in view
        thumb = self._thumbnail(b.id) if state == "cached" and r.width() >= MIN_THUMB_PX else None
        if thumb is not None:
            self._paint_picture(p, thumb, r, selected)
        room = r.right() - 5 - text_left
        if room <= 12 or text_top + fm.height() > r.bottom():
            return
        status = f"rendering {pct:.0f}%" if state == "rendering" and pct else b.secondary
        max_lines = max(1, int((r.bottom() - 3 - text_top) // fm.height()) - (1 if status else 0))
        if room < MIN_TEXT_PX:  # too narrow to wrap words sensibly: one elided line
            max_lines = 1
        lines = self._wrapped(fm, b.text or "(empty)", int(room), max_lines)
        if thumb is not None:  # a dark band under the words keeps them readable on the picture
            band = len(lines) + (1 if status else 0)
            p.fillRect(QRectF(r.left() + 1, r.top() + 1, r.width() - 2, band * fm.height() + 6), QColor(8, 10, 14, 170))
        p.setPen(QColor("#f2f4f8"))
        y = text_top
        for line in lines:
            p.drawText(QRectF(text_left, y, room, fm.height()), Qt.AlignLeft | Qt.AlignVCenter, line)
            y += fm.height()
        if status and y + fm.height() <= r.bottom():
            p.setPen(QColor("#c9cede"))
            p.drawText(QRectF(text_left, y, room, fm.height()), Qt.AlignLeft | Qt.AlignVCenter,
                       fm.elidedText(status, Qt.ElideRight, int(room)))

    def _paint_picture(self, p: QPainter, thumb: QPixmap, r: QRectF, selected: bool):
        """The block's first keyframe filling its body (cropped to cover), a state strip below."""
        body = r.adjusted(1, 1, -1, -1 - STRIP_PX)
        tw, th = thumb.width(), thumb.height()
        scale = max(body.width() / tw, body.height() / th)
        sw, sh = body.width() / scale, body.height() / scale
        p.drawPixmap(body, thumb, QRectF((tw - sw) / 2, (th - sh) / 2, sw, sh))
        p.fillRect(QRectF(r.left() + 1, r.bottom() - 1 - STRIP_PX, r.width() - 2, STRIP_PX), self._style("cached", selected)[1])
        if selected:  # the outline again, over the picture
            p.setPen(self._style("cached", True)[0])
            p.setBrush(Qt.NoBrush)
            p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        self.thumbnails_painted.add(self._painting_id)

    def _wrapped(self, fm: QFontMetrics, text: str, room: int, max_lines: int) -> list[str]:
        key = (text, room, max_lines)
        lines = self._wrap_cache.get(key)
        if lines is None:
            if len(self._wrap_cache) > 4000:
                self._wrap_cache.clear()
            lines = self._wrap_cache[key] = wrap_elided(fm, text, room, max_lines)
        return lines

    def _style(self, state: str, selected: bool) -> tuple[QPen, QBrush]:
        """Pen and brush for a block, built once per (state, selected): paints stay cheap."""
        key = (state, selected)
        if key not in self._styles:
            pen = QPen(QColor(ACCENT).lighter(150) if selected else QColor("#14161b"), 2 if selected else 1)
            fill = state_colour(state)
            if selected:  # the outline says "selected"; the fill only brightens a little
                fill = fill.lighter(112)
            self._styles[key] = (pen, QBrush(fill.darker(130) if state in ("none", "rendering") else fill))
        return self._styles[key]

    def _thumbnail(self, block_id: str) -> QPixmap | None:
        path = self.thumbnail_of(block_id)
        if not path:
            return None
        pix = self._thumbs.get(path)
        if pix is None:
            pix = QPixmap(path)
            if pix.isNull():
                return None
            if max(pix.width(), pix.height()) > THUMB_PX:
                pix = pix.scaled(THUMB_PX, THUMB_PX, Qt.KeepAspectRatio, Qt.SmoothTransformation)
            self._thumbs[path] = pix
        return pix

    def describe(self, block_id: str) -> str:
        """The hover tooltip: the block's number, text, times and render state in words."""
        from dreamreel.core.clock import format_clock

        project = self.document.project
        b = project.block(block_id)
        state, pct = self.state_of(block_id)
        label = STATE_LABELS.get(state, STATE_LABELS["none"])
        if state == "rendering" and pct:
            label += f" {pct:.0f}%"
        text = b.text if len(b.text) <= 60 else b.text[:59] + "…"
        return (f"Block {project.index_of(block_id) + 1}: {text or '(empty)'}\n"
                f"{format_clock(b.start_ms)} → {format_clock(b.end_ms)}\n"
                f"{label}: {STATE_HELP.get(state, STATE_HELP['none'])}")

    # --- mouse -----------------------------------------------------------------------------

    def hoverEvent(self, ev):
        if ev.isExit():
            self.unsetCursor()
            return
        block_id, zone = self.hit(ev.pos().x())
        self.setToolTip(self.describe(block_id) if block_id is not None else "")
        self.setCursor(Qt.SizeHorCursor if zone in ("start", "end") else
                       Qt.OpenHandCursor if zone == "body" else Qt.CrossCursor)

    def mouseClickEvent(self, ev):
        if self.click_set is not None and ev.button() in (Qt.LeftButton, Qt.RightButton):
            ev.accept()  # Aegisub: left click sets the start, right click the end
            self.click_set("start" if ev.button() == Qt.LeftButton else "end", int(round(ev.pos().x() * 1000)))
            return
        if ev.button() != Qt.LeftButton:
            return
        ev.accept()
        block_id, _ = self.hit(ev.pos().x())
        mods = ev.modifiers()
        if block_id is None:
            if not mods & (Qt.ShiftModifier | Qt.ControlModifier):
                self.document.select([])
            return
        if ev.double():
            self.document.select([block_id])
            self.editRequested.emit(block_id)
        elif mods & Qt.ControlModifier:
            self.document.toggle_selected(block_id)
        else:
            self.document.select([block_id], extend=bool(mods & Qt.ShiftModifier))

    def mouseDragEvent(self, ev):
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        t_ms = int(round(ev.pos().x() * 1000))
        if ev.isStart():
            self._start_drag(ev, int(round(ev.buttonDownPos().x() * 1000)))
        if self._drag is None:
            return
        self._drag.allow_overlap = bool(ev.modifiers() & Qt.ControlModifier)
        snap = self.snap_enabled != bool(ev.modifiers() & Qt.AltModifier)  # Alt inverts snapping
        self._update_drag(t_ms, snap)
        if ev.isFinish():
            self._finish_drag()

    def _start_drag(self, ev, press_ms: int):
        block_id, zone = self.hit(press_ms / 1000.0)
        if block_id is None:
            mode = "band" if ev.modifiers() & Qt.ShiftModifier else "create"
            self._drag = _Drag(mode, None, press_ms, {}, band=(press_ms, press_ms))
            return
        if zone == "body":
            if block_id not in self.document.selection:
                self.document.select([block_id], extend=bool(ev.modifiers() & Qt.ShiftModifier))
            ids = self.document.selection
        else:
            self.document.select([block_id])
            ids = [block_id]
        partner = None
        if zone in ("start", "end") and not ev.modifiers() & Qt.ShiftModifier:  # Shift splits a shared edge
            other = touching_partner(self.document.project.blocks, block_id, zone)
            partner = other.id if other is not None else None
        preview = {i: (self.document.project.block(i).start_ms, self.document.project.block(i).end_ms)
                   for i in ids + ([partner] if partner else [])}
        self._drag = _Drag("move" if zone == "body" else zone, block_id, press_ms, preview, partner=partner)

    def _update_drag(self, t_ms: int, snap: bool):
        d, project = self._drag, self.document.project
        blocks, duration = project.blocks, project.duration_ms
        tol = SNAP_PX * self._ms_per_px() if snap else -1.0
        moving = set(d.preview)
        snapper = self.snap_source()
        snapper.edges = sorted(neighbour_edges(blocks, moving))
        target = None
        if d.mode == "move":
            delta = t_ms - d.press_ms
            originals = [project.block(i) for i in moving]
            delta, target = snapper.snap_delta([x for b in originals for x in (b.start_ms, b.end_ms)], delta, tol)
            if not d.allow_overlap:
                delta = clamp_move(blocks, moving, delta, duration)
            d.preview = {b.id: (b.start_ms + delta, b.end_ms + delta) for b in originals}
        elif d.mode in ("start", "end") and d.partner:
            left, right = (project.block(d.partner), project.block(d.block_id)) if d.mode == "start" else \
                (project.block(d.block_id), project.block(d.partner))
            t, target = snapper.snap(t_ms, tol)
            t = clamp_roll(left, right, t)
            d.preview = {left.id: (left.start_ms, t), right.id: (t, right.end_ms)}
        elif d.mode in ("start", "end"):
            b = project.block(d.block_id)
            t, target = snapper.snap(t_ms, tol)
            t = clamp_edge(blocks, b.id, d.mode, t, duration, allow_overlap=d.allow_overlap)
            d.preview = {b.id: (t, b.end_ms) if d.mode == "start" else (b.start_ms, t)}
        elif d.mode == "create":
            t, target = snapper.snap(t_ms, tol)
            span = free_span(blocks, d.press_ms, duration)
            if span is not None:
                t = max(span[0], min(span[1], t))
            d.band = (d.press_ms, t)
        else:
            d.band = (d.press_ms, t_ms)
        if d.block_id in d.preview:
            self.dragInfo.emit(live_text(*d.preview[d.block_id]))
        elif d.mode == "create" and d.band:
            self.dragInfo.emit(live_text(*sorted(d.band)))
        if target is not None and d.mode != "band":
            self.guideChanged.emit(target.t_ms / 1000.0)
        else:
            self.guideChanged.emit(None)
        self.invalidate()

    def _finish_drag(self):
        d, project = self._drag, self.document.project
        self._drag = None
        self.guideChanged.emit(None)
        self.dragInfo.emit("")
        try:
            if d.mode == "move":
                b = project.block(d.block_id) if d.block_id else None
                delta = d.preview[d.block_id][0] - b.start_ms if b else 0
                if delta:
                    self.document.execute(move_blocks(project, list(d.preview), delta,
                                                      allow_overlap=d.allow_overlap))
            elif d.mode in ("start", "end") and d.partner:
                left = d.partner if d.mode == "start" else d.block_id
                right = d.block_id if d.mode == "start" else d.partner
                t = d.preview[left][1]
                if t != project.block(left).end_ms:
                    self.document.execute(roll_edge(project, left, right, t))
            elif d.mode in ("start", "end"):
                s, e = d.preview[d.block_id]
                b = project.block(d.block_id)
                if (s, e) != (b.start_ms, b.end_ms):
                    self.document.execute(resize_block(project, d.block_id, start_ms=s, end_ms=e,
                                                       allow_overlap=d.allow_overlap))
            elif d.mode == "create" and d.band:
                s, e = sorted(d.band)
                if e - s >= MIN_BLOCK_MS and free_span(project.blocks, s, project.duration_ms) is not None:
                    block = Block(text="", start_ms=s, end_ms=e)
                    self.document.execute(InsertBlock(block=block))
                    self.document.select([block.id])
                    self.editRequested.emit(block.id)
            elif d.mode == "band" and d.band:
                s, e = sorted(d.band)
                self.document.select([b.id for b in project.blocks if b.end_ms > s and b.start_ms < e], extend=True)
        except CommandError as e:
            self.errorRaised.emit(str(e))
        self.invalidate()
