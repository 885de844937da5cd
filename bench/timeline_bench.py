"""Timeline benchmark: a 10-minute song with 2,000 blocks (prints figures; not a test).

    python bench/timeline_bench.py

Measures (offscreen): the time to open the project and show the window (peaks and analysis
already cached, as on every open after the first; the engine is NOT imported beforehand, so
whatever opening triggers on the GUI thread counts), the time until the render states are
known (a worker imports the engine and plans; the GUI stays live meanwhile), the paint time
of the timeline while zooming and panning across the song (setXRange, then a synchronous
viewport repaint), while the playhead sweeps a fixed view (playback), and of the lines grid
while it scrolls through every row and follows a timeline selection.
Goal: open < 3 s, paint median < 16 ms and worst < 50 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

BLOCKS = 2000


def make_song(folder: Path) -> Path:
    """A 10-minute project: synthesised click track (120 BPM) and BLOCKS touching blocks (0.3 s
    each for 2,000), as an imported LRC has them."""
    from audio_synth import click_track, write_wav

    from dreamreel.core.interchange import audio_ref_for
    from dreamreel.core.project import Block, Project, save_project

    samples, _ = click_track(120, 600.0, 22050, noise=0.02)
    wav = folder / "song.wav"
    write_wav(wav, samples, 22050)
    project = Project(title="bench", audio=audio_ref_for(wav))
    step = 600_000 // BLOCKS
    project.blocks = [Block(f"Line {i}: a lighthouse in a violet storm over waves of glass", i * step, (i + 1) * step)
                      for i in range(BLOCKS)]
    path = folder / "bench.dreamreel"
    save_project(project, path)
    return path


def main() -> None:
    from PySide6.QtCore import QLoggingCategory
    from PySide6.QtWidgets import QApplication

    from dreamreel.editor.app import LOGGING_RULES

    QLoggingCategory.setFilterRules(LOGGING_RULES)  # the editor's own filter for headless noise
    app = QApplication.instance() or QApplication([])
    from dreamreel.editor.theme import apply_dark_palette

    apply_dark_palette(app)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # keep the user's cache clean
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        path = make_song(Path(tmp))
        from dreamreel.core.audio import default_cache_dir, load_or_analyze, load_or_build_peaks
        from dreamreel.core.project import load_project

        t = time.perf_counter()
        audio = load_project(path).audio_path()
        load_or_build_peaks(audio, default_cache_dir())
        load_or_analyze(audio, default_cache_dir())
        print(f"first-time peaks + analysis (not part of open): {time.perf_counter() - t:.2f} s")

        from dreamreel.editor.window.main_window import MainWindow

        t = time.perf_counter()
        window = MainWindow(use_audio=False)
        window.resize(1600, 900)
        window.open_path(path, offer_recovery=False)
        window.show()
        slowest_event = 0.0
        while window.timeline.audio_pending() or window.timeline.peaks is None:
            e = time.perf_counter()
            app.processEvents()
            slowest_event = max(slowest_event, time.perf_counter() - e)
        window.timeline.plot.viewport().repaint()
        print(f"open project + show window ({BLOCKS} blocks, cached peaks/analysis): {time.perf_counter() - t:.2f} s "
              f"(torch imported by then: {'torch' in sys.modules})")
        rc = window.render_controller
        while rc.plan("draft") is None or rc.states_pending():  # a script: poll the worker
            e = time.perf_counter()
            app.processEvents()
            slowest_event = max(slowest_event, time.perf_counter() - e)
            time.sleep(0.002)
        print(f"render states known (worker: engine import + plan): {time.perf_counter() - t:.2f} s after open; "
              f"longest GUI-thread event batch meanwhile {slowest_event * 1000:.0f} ms")

        vb, viewport = window.timeline.vb, window.timeline.plot.viewport()
        times, per_span = [], {}
        spans = [600, 300, 120, 60, 20, 5, 1]
        for span in spans:  # zoom in step by step, panning across the whole song at each zoom
            steps = 12
            for i in range(steps):
                x0 = (600 - span) * i / max(1, steps - 1)
                t = time.perf_counter()
                vb.setXRange(x0, x0 + span, padding=0)
                viewport.repaint()
                times.append((time.perf_counter() - t) * 1000)
                per_span.setdefault(span, []).append(times[-1])
        print(f"timeline range change + paint over {len(times)} steps (spans {spans} s): "
              f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms")
        print("  median per span: " + ", ".join(f"{k} s: {statistics.median(v):.1f} ms" for k, v in per_span.items()))
        sweep = []
        vb.setXRange(0, 600, padding=0)
        viewport.repaint()
        for i in range(60):  # playback at the full-song view: only the playhead moves
            t = time.perf_counter()
            window.timeline.set_playhead(i * 10_000)
            viewport.repaint()
            sweep.append((time.perf_counter() - t) * 1000)
        print(f"playhead sweep at full-song view ({len(sweep)} repaints): median {statistics.median(sweep):.1f} ms, "
              f"worst {max(sweep):.1f} ms")
        grid = window.lines.table
        bar = grid.verticalScrollBar()
        scroll = []
        for i in range(61):  # the lines grid, top to bottom in 60 jumps
            t = time.perf_counter()
            bar.setValue(bar.maximum() * i // 60)
            grid.viewport().repaint()
            scroll.append((time.perf_counter() - t) * 1000)
        print(f"lines grid scroll through {BLOCKS} rows ({len(scroll)} repaints): median {statistics.median(scroll):.1f} ms, "
              f"worst {max(scroll):.1f} ms")
        follow = []
        blocks = window.document.project.blocks
        for i in range(0, BLOCKS, BLOCKS // 40):  # select on the timeline: grid + timeline follow
            t = time.perf_counter()
            window.document.select([blocks[i].id])
            grid.viewport().repaint()
            viewport.repaint()
            follow.append((time.perf_counter() - t) * 1000)
        print(f"select a block, grid scrolls to it + both repaint ({len(follow)} times): "
              f"median {statistics.median(follow):.1f} ms, worst {max(follow):.1f} ms")
        edit = []
        from dreamreel.core.commands import nudge_blocks
        for i in range(0, BLOCKS, BLOCKS // 20):  # a nudge of a touching block: model, grid and lane
            t = time.perf_counter()
            window.document.execute(nudge_blocks(window.document.project, [blocks[i].id], 10))
            grid.viewport().repaint()
            viewport.repaint()
            edit.append((time.perf_counter() - t) * 1000)
        print(f"nudge (command + grid + timeline repaint, {len(edit)} times): median {statistics.median(edit):.1f} ms, "
              f"worst {max(edit):.1f} ms")
        window.document.stack.setClean()
        window.close()


if __name__ == "__main__":
    main()
