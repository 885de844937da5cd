"""Background: work runs off the GUI thread, callbacks come back on it, shutdown is clean."""

import threading

from dreamreel.editor.background import Background


def test_results_and_errors_come_back_on_the_gui_thread(qtbot):
    bg = Background()
    gui = threading.get_ident()
    seen = []

    def work(x):
        return x * 2, threading.get_ident()

    def boom():
        raise ValueError("bad input")

    bg.submit(work, 21, on_done=lambda r: seen.append(("done", r[0], r[1] != gui, threading.get_ident() == gui)))
    bg.submit(boom, on_error=lambda e: seen.append(("error", str(e), threading.get_ident() == gui)))
    assert bg.busy()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert not bg.busy()
    assert seen == [("done", 42, True, True), ("error", "bad input", True)]
    bg.shutdown()


def test_nothing_is_delivered_after_shutdown(qtbot):
    bg = Background()
    release = threading.Event()
    seen = []
    bg.submit(release.wait, on_done=seen.append)
    bg.submit(lambda: 1, on_done=seen.append)  # queued behind the first: dropped by shutdown
    threading.Timer(0.05, release.set).start()
    bg.shutdown(wait=True)
    qtbot.wait(50)
    assert seen == [] and bg.submit(lambda: 2) is None
