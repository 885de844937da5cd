"""Startup: opening a project never imports torch on the GUI thread; `--smoke-test` passes.

Both run in a fresh interpreter (other tests import torch), offscreen.
"""

import os
import subprocess
import sys
import textwrap

SPY = textwrap.dedent(r'''
    import importlib.abc, shutil, sys, tempfile, threading, time, traceback
    from pathlib import Path

    main_thread, on_main = threading.main_thread(), []

    class Spy(importlib.abc.MetaPathFinder):
        """Records a first import of torch made by the GUI thread."""
        def find_spec(self, name, path=None, target=None):
            if name == "torch" and threading.current_thread() is main_thread:
                on_main.append("".join(traceback.format_stack(limit=12)))
            return None

    sys.meta_path.insert(0, Spy())
    from PySide6.QtWidgets import QApplication
    from dreamreel.resources import EXAMPLES_DIR
    from dreamreel.editor.window.main_window import MainWindow

    app = QApplication([])
    tmp = Path(tempfile.mkdtemp())
    for f in EXAMPLES_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, tmp / f.name)
    window = MainWindow(use_audio=False)
    t0 = time.perf_counter()
    window.open_path(tmp / "example.dreamreel", offer_recovery=False)
    window.show()
    app.processEvents()
    print(f"open+show {time.perf_counter() - t0:.2f} s")
    rc = window.render_controller
    deadline = time.monotonic() + 90
    while (rc.plan("draft") is None or rc.states_pending()) and time.monotonic() < deadline:
        app.processEvents()  # a script, not the editor: poll until the worker has reported
        time.sleep(0.01)
    print("STATES", "known" if rc.plan("draft") is not None else "unknown")
    print("TORCH_LOADED", "torch" in sys.modules)
    print("TORCH_ON_MAIN", len(on_main))
    for stack in on_main[:1]:
        print(stack)
    window.document.stack.setClean()
    window.close()
''')


def _env():
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def test_opening_a_project_imports_torch_only_in_a_worker(tmp_path):
    r = subprocess.run([sys.executable, "-c", SPY], capture_output=True, text=True, timeout=240,
                       env=_env(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "STATES known" in out, out + r.stderr[-2000:]
    assert "TORCH_LOADED True" in out  # the worker planned with the draft engine...
    assert "TORCH_ON_MAIN 0" in out, out  # ...and the GUI thread never imported it


def test_smoke_test_flag_exits_zero(tmp_path):
    r = subprocess.run([sys.executable, "-m", "dreamreel.editor.app", "--smoke-test"], capture_output=True,
                       text=True, timeout=240, env=_env(), cwd=tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    assert "smoke test ok" in r.stdout
