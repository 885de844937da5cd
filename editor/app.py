"""`dreamreel-editor [PROJECT]`: start the editor, optionally opening a project file."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Create the application and the main window; open argv[1] when given."""
    argv = list(sys.argv if argv is None else argv)
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
