"""The installed Qt binding keeps None's reference count: PySide6 6.12 on CPython < 3.12 does
not (each void call drops one), which kills the editor after a few thousand paints."""

import sys

from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_void_qt_calls_do_not_leak_none_references():
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    pen, colour = QPen(QColor("red")), QColor("blue")
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setPen(pen)
        painter.fillRect(0, 0, 2, 2, colour)
    after = sys.getrefcount(None)
    painter.end()
    assert after - before > -1000, "this PySide6 drops None references; see pyproject.toml"
