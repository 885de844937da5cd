"""`dreamreel-editor [PROJECT]`: start the editor, optionally opening a project file (without
one, an untitled project a previous session left unsaved is offered back).

`--help` and `--version` print and exit before any Qt object exists; an unknown option is
refused (exit 2, one line) rather than silently starting the window.

`dreamreel-editor --smoke-test` (Friture style, used by packaging/build_and_smoke.sh): build
the window with the bundled example project (copied to a temporary folder, so no cache lands
in the installed package), run the event loop for about a second, and exit 0 — or 1 when Qt
reported a critical or fatal message, or the example could not be opened.
"""

from __future__ import annotations

import argparse
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dreamreel-editor",
        description="The Dreamreel editor: time lyrics or prompts to a song and render the AI music video.")
    parser.add_argument("project", nargs="?", help="a .dreamreel project to open")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the bundled example for about a second and exit (0: fine, 1: Qt reported errors)")
    parser.add_argument("--audio", metavar="SONG", help="start a new project on this song")
    parser.add_argument("--lyrics", metavar="FILE",
                        help="and time these lyrics or this screenplay to it (LRC, SRT, VTT, ASS, labels, CSV)")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    return parser


def check_arguments(parser: argparse.ArgumentParser, args) -> None:
    """Refuse, before any window opens, what cannot work: exit 2 with one line."""
    if args.project and (args.audio or args.lyrics):
        parser.error("give a project, or --audio/--lyrics for a new one, not both")
    for flag, value in (("--audio", args.audio), ("--lyrics", args.lyrics)):
        if value and not Path(value).is_file():
            parser.error(f"{flag} {value}: no such file")


class _VersionAction(argparse.Action):
    """--version: the installed version, read from the metadata only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        from dreamreel.core.cli.main import _version

        print(f"{parser.prog} {_version()}")
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    """Create the application and the main window; open the project argument when given."""
    argv = list(sys.argv if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv[1:])  # --help / --version / a bad option exit here
    check_arguments(parser, args)
    from PySide6.QtCore import QLoggingCategory
    from PySide6.QtWidgets import QApplication

    QLoggingCategory.setFilterRules(LOGGING_RULES)
    from dreamreel.editor.window.main_window import MainWindow
    from dreamreel.editor.theme import apply_dark_palette

    app = QApplication.instance() or QApplication(argv[:1])
    app.setApplicationName("Dreamreel")
    app.setOrganizationName("dreamreel")
    apply_dark_palette(app)
    window = MainWindow()
    if args.smoke_test:
        return smoke_test(app, window)
    window.show()
    open_at_start(window, [args.project] if args.project else [], audio=args.audio, lyrics=args.lyrics)
    return app.exec()


def open_at_start(window, paths: list[str], *, audio: str | None = None, lyrics: str | None = None) -> None:
    """Open the project named on the command line; or a new one on `audio` with `lyrics`
    (the same paths as File ▸ Import: the song is probed off the GUI thread, then the lyrics
    come in and the view fits the song); with neither, offer back an untitled autosave."""
    if paths:
        window.open_path(paths[0])
    elif audio:
        def song_in(_path, _ref):
            window.audio_importer.imported.disconnect(song_in)
            if lyrics:
                window.import_lyrics(lyrics)
            window.zoom_fit()

        window.audio_importer.imported.connect(song_in)
        window.import_audio(audio)
    elif lyrics:
        window.import_lyrics(lyrics)
    else:
        window.offer_untitled_recovery()


if __name__ == "__main__":
    sys.exit(main())
