"""The preview: the picture at the playhead, and "Preview selection" (render a range, play it).

`show_time(ms)` finds the keyframes around the playhead in the project's schedule and shows
the cached preview of the one at or before it, cross-faded towards the next one when that is
cached too (a cheap stand-in for a decoded in-between). With nothing cached for the chosen
engine it falls back to cached keyframes of the registry's default engine, then to that
engine's instant look for the block (its entry's `look`: a few milliseconds), labelled as such.

"Preview selection" renders only the selection (the default engine; the project's own engine
when ticked) through the `RenderController`: in chain continuity from the nearest cached
ancestor when it is near, else from a fresh seeded start at the selection, shown labelled as a
preview and never counted as the full render's keyframes (core's `preview_plan`). The count
and estimate are shown first; above a minute it asks. When the keyframes are in, it plays the
range on the `Player`; the panel follows the player's position, so picture and song stay together.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from dreamreel.core.clock import format_clock
from dreamreel.core.engine import registry
from dreamreel.editor.render.render_jobs import cache_dir_for
from dreamreel.core.engine.states import engine_identity, engine_imported

_PIXMAPS_KEPT = 64


class _ImageView(QWidget):
    """Draws one picture (or two cross-faded) scaled to fit, letterboxed on black."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._a: QPixmap | None = None
        self._b: QPixmap | None = None
        self._mix = 0.0

    def set_images(self, a: QPixmap | None, b: QPixmap | None = None, mix: float = 0.0) -> None:
        self._a, self._b, self._mix = a, b, mix
        self.update()

    def has_image(self) -> bool:
        return self._a is not None

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#000000"))
        if self._a is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = self._fit(self._a)
            p.drawPixmap(target, self._a, QRectF(self._a.rect()))
            if self._b is not None and self._mix > 0:
                p.setOpacity(self._mix)
                p.drawPixmap(target, self._b, QRectF(self._b.rect()))
        p.end()

    def _fit(self, pm: QPixmap) -> QRectF:
        scale = min(self.width() / max(1, pm.width()), self.height() / max(1, pm.height()))
        w, h = pm.width() * scale, pm.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)


class _Caption(QLabel):
    """One line under the picture that never widens the dock: the text is elided to the width
    it is given (the whole of it in the tooltip and in `text()`; `shown_text()` is what shows)."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._full = ""
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(1)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:  # the caption's words (Qt paints the elided copy)
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(1, self.width())))


class PreviewPanel(QWidget):
    """The picture at the playhead, with a "Preview selection" button."""

    previewRequested = Signal(int, int)  # start_ms, end_ms of a requested preview

    def __init__(self, parent=None, *, controller=None, player=None):
        super().__init__(parent)
        self._project = None
        self._controller = None
        self._player = None
        self._plans: dict[str, list] = {}  # engine -> [(t_ms, key, block_id, spec)], by time
        self._shown_key: str | None = None  # cache key of the keyframe on show
        self._draft_look_key: str | None = None  # key whose draft look is on show
        self._pixmaps: dict[str, QPixmap] = {}
        self._selection: tuple[int, int] | None = None
        self._pending_range: tuple[int, int] | None = None
        self._preview_engine: str | None = None  # engine of the running selection preview
        self._last_ms = 0
        self._fresh: tuple | None = None  # ((start_ms, end_ms), plan) of the last fresh-start preview
        self.ensure_weights = None  # callable(engine, go(engine)) the window sets: missing weights

        self._view = _ImageView(self)
        self._label = _Caption("No project")
        self._button = QPushButton("Preview selection")
        self._button.setToolTip("Render the selected time range and play it with the song")
        self._button.clicked.connect(self._on_preview_clicked)
        self._use_ai = QCheckBox("Project's engine")
        self._use_ai.setToolTip("Render the preview with the project's engine instead of the instant "
                                f"{registry.get(registry.DEFAULT_ENGINE).label}")
        self._loop = QCheckBox("Loop")
        row = QHBoxLayout()
        row.addWidget(self._button)
        row.addWidget(self._use_ai)
        row.addWidget(self._loop)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self._view, 1)
        layout.addWidget(self._label)
        layout.addLayout(row)
        if controller is not None:
            self.set_render_controller(controller)
        if player is not None:
            self.set_player(player)

    # --- wiring ----------------------------------------------------------------------------

    def set_project(self, project) -> None:
        if self._project is not None:
            self._project.changed.disconnect(self._on_project_changed)
        self._project = project
        self._plans.clear()
        if project is not None:
            project.changed.connect(self._on_project_changed)
        self.show_time(self._last_ms)

    def set_render_controller(self, controller) -> None:
        self._controller = controller
        controller.statesChanged.connect(self._on_states_changed)
        controller.finished.connect(self._on_render_finished)
        controller.failed.connect(self._on_render_failed)
        controller.cancelled.connect(self._on_render_cancelled)

    def set_player(self, player) -> None:
        self._player = player
        player.positionChanged.connect(self.show_time)

    def set_selection(self, start_ms: int | None, end_ms: int | None = None) -> None:
        """The range "Preview selection" renders (None: the block at the playhead)."""
        self._selection = None if start_ms is None or end_ms is None or end_ms <= start_ms else (start_ms, end_ms)

    def _on_project_changed(self, change) -> None:
        self._plans.clear()
        self._fresh = None  # a fresh-start preview's keys are of the blocks as they were
        self.show_time(self._last_ms)

    def _on_states_changed(self) -> None:
        self.show_time(self._last_ms)

    # --- showing ---------------------------------------------------------------------------

    def current_image_key(self) -> str | None:
        """The cache key of the keyframe on show (None for the live draft look); for tests."""
        return self._shown_key

    def show_time(self, ms: int) -> None:
        """Show the picture at song time `ms`."""
        self._last_ms = int(ms)
        self._shown_key = None
        project = self._project
        if project is None or not project.blocks:
            self._view.set_images(None)
            self._draft_look_key = None
            self._label.setText("No blocks yet" if project is not None else "No project")
            return
        engine = self._preview_engine or project.render.engine
        if self._fresh is not None and self._fresh[0][0] <= ms < self._fresh[0][1] and \
                self._show_cached(engine, ms, plan=self._fresh[1], tag=" · preview (fresh start)"):
            return
        for name in dict.fromkeys([engine, registry.DEFAULT_ENGINE]):
            if self._show_cached(name, ms):
                return
        self._show_draft_look(ms)

    def _plan(self, engine: str) -> list:
        """[(t_ms, key, block_id, spec)] by time. With a controller: its worker's plan (the
        render's own keys, effort included; empty until known: never planned on this thread)."""
        if self._controller is not None:
            return self._controller.plan(engine) or []
        if engine not in self._plans:
            from dreamreel.core.engine.schedule import plan_keyframes

            identity = engine_identity(self._project, engine)
            plan = plan_keyframes(self._project, identity) if identity else []
            self._plans[engine] = [(k.t_ms, k.key, k.block_id, k.spec) for k in plan]
        return self._plans[engine]

    def _cache(self):
        from dreamreel.core.engine.cache import KeyframeCache

        root = self._controller.cache_dir(self._project) if self._controller else cache_dir_for(self._project)
        return KeyframeCache(root)

    def _show_cached(self, engine: str, ms: int, *, plan=None, tag: str | None = None) -> bool:
        plan = self._plan(engine) if plan is None else plan
        i = bisect.bisect_right([t for t, *_ in plan], ms) - 1
        if i < 0:
            return False
        t_a, key_a, block_id, _ = plan[i]
        block = self._block(block_id)
        if block is None:  # a plan from before an edit removed the block: nothing to show from it
            return False
        cache = self._cache()
        path_a = cache.preview_path(key_a)
        if path_a is None:
            return False
        a, b, mix = self._pixmap(path_a), None, 0.0
        if i + 1 < len(plan) and plan[i + 1][2] == block_id:  # cross-fade only inside a block
            t_b, key_b = plan[i + 1][0], plan[i + 1][1]
            path_b = cache.preview_path(key_b)
            if path_b is not None:
                b, mix = self._pixmap(path_b), (ms - t_a) / max(1, t_b - t_a)
        self._shown_key, self._draft_look_key = key_a, None
        self._view.set_images(a, b, mix)
        index = sum(1 for t, _, bid, _ in plan[: i + 1] if bid == block_id)
        if tag is None:
            tag = "" if engine == self._project.render.engine else f" ({engine})"
        self._label.setText(f"{format_clock(max(0, ms), 1)} · {block.text[:40]} · keyframe {index}{tag}")
        return True

    def _show_draft_look(self, ms: int) -> None:
        """Nothing cached: the default engine's instant look for the block, decoded now
        (a few ms) — once a worker has imported the engine; until then, just the words."""
        entry = registry.get(registry.DEFAULT_ENGINE)
        plan = self._plan(entry.name) if entry.look_fn is not None else []
        i = max(0, bisect.bisect_right([t for t, *_ in plan], ms) - 1)
        block = self._block(plan[i][2]) if plan else None
        if block is None or (self._controller is not None and not engine_imported()):
            # no plan yet, or one from before an edit removed the block: just the words
            block = self._project.block_at(ms)
            self._view.set_images(None)
            self._draft_look_key = None
            self._label.setText(f"{format_clock(max(0, ms), 1)} · {block.text[:40] if block else 'no block'} · not rendered")
            return
        _, key, _, spec = plan[i]
        if key != self._draft_look_key:  # decode when the keyframe changes, not at every playhead tick
            rgb = np.ascontiguousarray(entry.look(self._project.render, spec))
            image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3, QImage.Format.Format_RGB888)
            self._view.set_images(QPixmap.fromImage(image.copy()))  # copy: `rgb` is freed on return
            self._draft_look_key = key
        self._label.setText(f"{format_clock(max(0, ms), 1)} · {block.text[:40]} · not rendered (draft look)")

    def _block(self, block_id: str):
        """The block of a plan entry, or None when the plan predates an edit that removed it
        (the controller's plan is recomputed off this thread, after the edit)."""
        try:
            return self._project.block(block_id)
        except KeyError:
            return None

    def _pixmap(self, path: Path) -> QPixmap:
        key = str(path)
        pm = self._pixmaps.pop(key, None) or QPixmap(key)
        self._pixmaps[key] = pm  # most recently used last
        while len(self._pixmaps) > _PIXMAPS_KEPT:
            self._pixmaps.pop(next(iter(self._pixmaps)))
        return pm

    # --- preview selection -----------------------------------------------------------------

    def preview_range(self) -> tuple[int, int] | None:
        """The selection, else the block at the playhead."""
        if self._selection is not None:
            return self._selection
        if self._project is None:
            return None
        block = self._project.block_at(self._last_ms)
        return (block.start_ms, block.end_ms) if block is not None else None

    def _on_preview_clicked(self) -> None:
        rng = self.preview_range()
        if rng is None:
            self._label.setText("Select a time range (or put the playhead on a block) to preview")
            return
        self.previewRequested.emit(*rng)
        if self._controller is None or self._project is None:
            return
        if self._controller.is_busy():  # a render or an export (one engine at a time)
            self._label.setText(("An export" if self._controller.is_exporting() else "A render")
                                + " is running; preview when it is done (or cancel it)")
            return
        engine = self._project.render.engine if self._use_ai.isChecked() else registry.DEFAULT_ENGINE
        if self.ensure_weights is not None:  # the window: a dialog when the weights are missing
            self.ensure_weights(engine, lambda chosen: self._start_preview(rng, chosen))
        else:
            self._start_preview(rng, engine)

    def _start_preview(self, rng: tuple[int, int], engine: str) -> None:
        """Render only the range: the full render's keyframes from a near cached ancestor, or
        a fresh seeded start at the selection (chain continuity, no cached ancestor near; see
        core's preview_plan); count and estimate shown, asked above a minute."""
        if self._controller.is_running():
            self._label.setText("A render is running; preview when it is done (or cancel it)")
            return
        t_range = (rng[0] / 1000.0, rng[1] / 1000.0)
        project, choice = self._project, self._choose(engine, t_range)
        if choice is not None and not self._confirm(choice):
            self._label.setText("Preview not started")
            return
        self._pending_range, self._preview_engine = rng, engine
        self._plans.pop(engine, None)
        self._fresh = None
        self._button.setEnabled(False)
        what = f" · {choice.describe()}" if choice is not None else ""
        self._label.setText(f"Rendering the preview ({engine}){what}…")
        if choice is not None and choice.mode == "fresh":
            from dataclasses import replace

            from dreamreel.core.events import Signal

            plan = choice.plan.keyframes
            self._fresh = (rng, [(k.t_ms, k.key, k.block_id, k.spec) for k in plan])
            # the selection's blocks alone (same file: same cache folder); the job snapshots it
            alone = replace(project, blocks=list(choice.blocks), changed=Signal())
            self._controller.start(alone, t_range=t_range, engine=engine, preview=True)
        else:
            self._controller.start(project, t_range=t_range, engine=engine)

    def _choose(self, engine: str, t_range):
        """The core's preview choice, or None while the controller has no plan for `engine`."""
        from dreamreel.core.engine.preview_plan import choose_preview
        from dreamreel.core.errors import DreamreelError
        from dreamreel.editor.dialogs import render_estimate

        states = self._controller.states_of(engine)
        if states is None or states.identity is None:
            return None
        try:
            return choose_preview(self._project, states, self._cache(), t_range,
                                  seconds_per_iteration=render_estimate.seconds_per_iteration(self._project.render,
                                                                                              engine))
        except DreamreelError:
            return None

    def _confirm(self, choice) -> bool:
        from dreamreel.editor.dialogs import render_estimate

        return render_estimate.confirm(self, "Preview", choice)

    def _on_render_finished(self) -> None:
        rng, self._pending_range = self._pending_range, None
        self._button.setEnabled(True)
        if rng is None:
            return
        self._plans.clear()  # the AI engine's identity may have become known
        if self._player is not None:
            self._player.play_range(rng[0], rng[1], loop=self._loop.isChecked())
        else:
            self.show_time(rng[0])

    def _on_render_failed(self, message: str) -> None:
        if self._pending_range is not None:
            self._label.setText(f"Preview failed: {message}")
        self._pending_range = None
        self._preview_engine = None
        self._button.setEnabled(True)

    def _on_render_cancelled(self) -> None:
        if self._pending_range is not None:
            self._label.setText("Preview cancelled")
        self._pending_range = None
        self._button.setEnabled(True)

