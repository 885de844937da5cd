"""Run plain (Qt-free) functions off the GUI thread and get their results back on it.

Why not QRunnable + a QObject of signals per job: such a QObject is made on the GUI thread and,
when the job object is dropped, may be destroyed on the pool thread while its queued signal is
being delivered on the GUI thread — a race that crashed the editor's tests now and then. Here
the work runs in plain Python threads, and ONE long-lived QObject on the GUI thread carries
every result back through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, Signal


class Background(QObject):
    """A small pool of worker threads whose callbacks run on this object's thread."""

    _delivered = Signal(object)  # (callback, value)

    def __init__(self, parent: QObject | None = None, *, workers: int = 1, name: str = "dreamreel"):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._closed = False
        self._pending = 0  # submitted, not yet delivered (touched on this object's thread only)
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    def submit(self, fn: Callable, *args, on_done: Callable | None = None,
               on_error: Callable[[Exception], None] | None = None) -> Future | None:
        """Run `fn(*args)` in a worker thread; then `on_done(result)` or `on_error(exception)`
        on this object's thread. Returns None once shut down."""
        if self._closed:
            return None

        def work():
            try:
                outcome = (on_done, fn(*args))
            except Exception as e:  # noqa: BLE001 - handed to on_error on the GUI thread
                outcome = (on_error, e)
            if self._closed:
                return
            try:
                self._delivered.emit(outcome)
            except RuntimeError:  # the QObject is gone (the window closed meanwhile)
                pass

        self._pending += 1
        return self._pool.submit(work)

    def busy(self) -> bool:
        """True while submitted work has not been delivered yet."""
        return self._pending > 0

    def _on_delivered(self, outcome) -> None:
        self._pending -= 1
        callback, value = outcome
        if callback is not None and not self._closed:
            callback(value)

    def shutdown(self, wait: bool = True) -> None:
        """Drop queued work, let running work end (when `wait`), and deliver nothing more."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
