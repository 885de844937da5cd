"""`dreamreel-editor [PROJECT]`: start the editor, optionally opening a project file."""

from __future__ import annotations

import sys


def guard_none_refcount() -> None:
    """Work around PySide6 6.12 on CPython < 3.12, whose void methods (QPainter.setPen, ...)
    return None without a new reference: each call drops None's refcount by one and the
    process dies with "none_dealloc" after a few thousand paints. Python 3.12 made None
    immortal (PEP 683); on older Pythons we give it the same huge refcount. The real fix is
    a PySide6 release with the bug fixed, or pinning PySide6<6.12 for Python < 3.12."""
    if sys.version_info >= (3, 12):
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < 2**40:
        refcount.value += 2**42


def main(argv: list[str] | None = None) -> int:
    """Create the application and the main window; open argv[1] when given."""
    argv = list(sys.argv if argv is None else argv)
    guard_none_refcount()
    from PySide6.QtWidgets import QApplication

    from dreamreel.editor.main_window import MainWindow
    from dreamreel.editor.theme import apply_dark_palette

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Dreamreel")
    app.setOrganizationName("dreamreel")
    apply_dark_palette(app)
    window = MainWindow()
    paths = [a for a in argv[1:] if not a.startswith("-")]
    if paths:
        window.open_path(paths[0])
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
