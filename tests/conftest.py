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
