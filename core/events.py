"""A tiny Qt-free observer: the model announces changes, views subscribe (napari style)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("dreamreel.events")


@dataclass(frozen=True)
class Change:
    """What an edit changed.

    kind: "blocks" (block_ids changed, added or removed), "style", "render", "audio", "tags",
    or "all" (the whole project was replaced, e.g. after load).
    """

    kind: str
    block_ids: frozenset[str] = field(default_factory=frozenset)
    added: frozenset[str] = field(default_factory=frozenset)
    removed: frozenset[str] = field(default_factory=frozenset)


class Signal:
    """A list of callbacks called in order with the emitted value.

    Observers are isolated: one that raises is logged (with its traceback) and the others are
    still called, and `emit` returns normally, so a failing view can never abort the edit that
    announced the change (the model has already changed when it emits).
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            try:
                callback(*args)
            except Exception:
                log.exception("observer %r failed while reacting to %r", callback, args[:1])
