"""Thin blocks (a whole song in view) paint their state colours as pixel columns, and zooming or
panning does no per-block Python work: the state of each block is asked once per change of
what the lane shows, not once per block per paint (2,000 blocks: the paint's top cost)."""

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from dreamreel.core.commands import ReplaceBlocks
from dreamreel.core.project import Block
from dreamreel.editor.theme import STATE_COLOURS
from editor_conftest_helpers import close_window, lane_y, make_project_file, open_window, pixel_of


def test_thin_blocks_show_their_states_and_pans_ask_no_states(qtbot, tmp_path):
    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        blocks = [Block(f"line {i}", i * 100, (i + 1) * 100, id=f"b{i}") for i in range(400)]  # 0.1 s each
        window.document.execute(ReplaceBlocks(blocks=blocks))
        window._block_states = {"b100": ("cached", 1.0), "b101": ("cached", 1.0), "b300": ("stale", 0.0),
                                "b301": ("stale", 0.0)}
        window.timeline.blocks.set_states_revision()
        window.timeline.vb.setXRange(0, 48, padding=0)  # 0.1 s is ~2 px: every block is thin
        QApplication.processEvents()
        image = window.timeline.plot.grab().toImage()

        def colour_at(t_s):
            p = pixel_of(window, t_s, lane_y(window))
            return image.pixelColor(int(p.x()), int(p.y())).name()

        assert colour_at(10.1) == STATE_COLOURS["cached"]
        assert colour_at(30.1) == STATE_COLOURS["stale"]
        assert colour_at(20.05) not in (STATE_COLOURS["cached"], STATE_COLOURS["stale"])

        asked = []
        real = window.timeline.blocks.state_of
        window.timeline.blocks.state_of = lambda block_id: asked.append(block_id) or real(block_id)
        viewport = window.timeline.plot.viewport()
        for i in range(10):  # pan and zoom at thin scale
            window.timeline.vb.setXRange(i, 40 + i * 0.5, padding=0)
            viewport.repaint()
        assert asked == []
        window.document.select(["b5"])  # what the lane shows changed: asked again, once per block
        viewport.repaint()
        assert 0 < len(asked) <= 2 * len(blocks)
    finally:
        close_window(window)


def test_overview_strip_colours_every_block_by_state_and_selection(qtbot, tmp_path):
    """The overview's bars (now one numpy pass for all blocks): state colours and the
    selection's accent where the blocks are. Coverage of the rewrite: the old per-block rects
    drew the same colours."""
    from dreamreel.editor.theme import ACCENT

    window = open_window(qtbot, make_project_file(tmp_path), render=False)
    try:
        blocks = [Block(f"line {i}", i * 400, (i + 1) * 400, id=f"b{i}") for i in range(120)]  # 0.4 s each
        window.document.execute(ReplaceBlocks(blocks=blocks))
        window._block_states = {"b50": ("cached", 1.0), "b90": ("stale", 0.0)}
        window.timeline.navigator.overview.invalidate()
        window.document.select(["b10"])
        QApplication.processEvents()
        strip = window.timeline.navigator.overview
        strip.grab()  # paints: the bars are drawn into their pixmap (the view rectangle goes over them)
        image = strip._bars.toImage()
        y = strip.height() // 2

        def colour_at(t_s):
            return image.pixelColor(int(strip._x(t_s)), y).name()

        assert colour_at(20.2) == STATE_COLOURS["cached"]
        assert colour_at(36.2) == STATE_COLOURS["stale"]
        assert colour_at(4.2) == QColor(ACCENT).name()
        assert colour_at(30.2) == STATE_COLOURS["none"]
    finally:
        close_window(window)
