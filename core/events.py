"""A tiny Qt-free observer: the model announces changes, views subscribe (napari style)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
    """A list of callbacks called in order with the emitted value."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)
