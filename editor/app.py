"""`dreamreel-editor [PROJECT]`: start the editor, optionally opening a project file (without
one, an untitled project a previous session left unsaved is offered back).

`dreamreel-editor --smoke-test` (Friture style, used by packaging/build_and_smoke.sh): build
the window with the bundled example project (copied to a temporary folder, so no cache lands
in the installed package), run the event loop for about a second, and exit 0 — or 1 when Qt
reported a critical or fatal message, or the example could not be opened.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

SMOKE_MS = 1000

# Known noise on machines without sound: QtMultimedia probing optional libraries (PipeWire,
# VA-API) and PulseAudio before the player falls back to its clock.
LOGGING_RULES = "\n".join([
    "qt.multimedia.symbolsresolver=false",
    "qt.multimedia.ffmpeg*=false",
    "qt.multimedia.pulseaudio*=false",
])


def _copy_example(folder: Path) -> Path:
    from dreamreel.resources import EXAMPLES_DIR

    for item in EXAMPLES_DIR.iterdir():
        if item.is_file() and item.suffix != ".py":
            shutil.copy(item, folder / item.name)
    return folder / "example.dreamreel"


def _install_message_guard(problems: list[str]):
    """Count Qt critical/fatal messages (still printed) for the smoke test's exit status."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind, context, message):
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            problems.append(message)
        sys.stderr.write(f"{message}\n")

    qInstallMessageHandler(handler)


def smoke_test(app, window) -> int:
    """Open the bundled example in `window`, run the loop ~1 s, report; the exit status."""
    from PySide6.QtCore import QTimer

    problems: list[str] = []
    _install_message_guard(problems)
    with tempfile.TemporaryDirectory(prefix="dreamreel-smoke-") as tmp:
        opened = window.open_path(_copy_example(Path(tmp)), offer_recovery=False)
        window.show()
        QTimer.singleShot(SMOKE_MS, app.quit)
        app.exec()
        blocks = len(window.document.project.blocks)
        window.document.stack.setClean()  # nothing to ask about on close
        window.close()  # waits for background work: the temporary folder goes away next
    if not opened or not blocks:
        print("smoke test FAILED: the example project did not open", file=sys.stderr)
        return 1
    if problems:
        print(f"smoke test FAILED: {len(problems)} critical Qt message(s): {problems[0]}", file=sys.stderr)
        return 1
    print(f"smoke test ok: example with {blocks} blocks")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Create the application and the main window; open argv[1] when given."""
    argv = list(sys.argv if argv is None else argv)
    from PySide6.QtCore import QLoggingCategory
    from PySide6.QtWidgets import QApplication

    QLoggingCategory.setFilterRules(LOGGING_RULES)
    from dreamreel.editor.window.main_window import MainWindow
    from dreamreel.editor.theme import apply_dark_palette

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Dreamreel")
    app.setOrganizationName("dreamreel")
    apply_dark_palette(app)
    smoke = "--smoke-test" in argv[1:]
    window = MainWindow()
    if smoke:
        return smoke_test(app, window)
    window.show()
    open_at_start(window, [a for a in argv[1:] if not a.startswith("-")])
    return app.exec()


def open_at_start(window, paths: list[str]) -> None:
    """Open the project named on the command line; with none, offer back an untitled autosave."""
    if paths:
        window.open_path(paths[0])
    else:
        window.offer_untitled_recovery()


if __name__ == "__main__":
    sys.exit(main())
