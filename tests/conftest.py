"""Shared test setup: Qt offscreen before any Qt import; no network, no user dirs."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep caches, models and autosaves of tests out of the real user directories."""
    base = tmp_path_factory.getbasetemp() / "userdirs"
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
    monkeypatch.setenv("DREAMREEL_MODELS_DIR", str(base / "models"))


_MODALS = {
    "QMessageBox": ("question", "warning", "critical", "information", "about"),
    "QInputDialog": ("getText", "getDouble", "getInt", "getItem"),
    "QFileDialog": ("getOpenFileName", "getSaveFileName", "getExistingDirectory", "getOpenFileNames"),
}


@pytest.fixture(autouse=True)
def _no_unanswered_modal_dialogs(monkeypatch):
    """A modal dialog nobody answers would wait forever offscreen (it hung a CI run): any test
    that reaches one without patching it fails at once, naming the dialog. Tests that expect a
    dialog patch it themselves, which replaces this stand-in."""
    try:
        from PySide6 import QtWidgets
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        return

    def refuse(owner, name):
        def modal(*args, **kwargs):
            words = [a for a in args if isinstance(a, str)][:2]
            raise AssertionError(f"unanswered modal dialog {owner}.{name}{tuple(words)}: patch it in the test")
        return modal

    for owner, names in _MODALS.items():
        for name in names:
            monkeypatch.setattr(getattr(QtWidgets, owner), name, staticmethod(refuse(owner, name)))
