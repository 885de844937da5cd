"""Callback types shared by long-running core work (render, export): plain callables, no Qt."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]
"""`progress(done, total, message)`."""

CancelHook = Callable[[], bool]
"""`cancel() -> bool`, polled between steps; True stops the work with `Cancelled`."""
