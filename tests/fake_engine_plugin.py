"""A third-party engine for tests: one module and one entry point in the `dreamreel.engines`
group, installed into a temporary folder on sys.path and PYTHONPATH (so child processes, the
CLI and the editor's render worker, find it too), the way `pip install` would."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

MODULE = textwrap.dedent('''
    """A fake engine: flat grey pictures whose lightness is its own setting. Loading it sleeps
    DREAMREEL_FAKE_LOAD_SLEEP seconds (default 0; a slow model load, for cancel tests), after
    creating the file DREAMREEL_FAKE_LOAD_MARK names, if set (the load has begun)."""
    import os
    import time
    from dataclasses import dataclass

    from dreamreel.core.engine.registry import EngineEntry, setting
    from dreamreel.core.errors import Cancelled


    @dataclass
    class FakeSettings:
        iterations_first: int = setting(2, label="Steps (first)", lo=0, hi=1000)
        iterations: int = setting(1, label="Steps (next)", lo=0, hi=1000)
        lightness: float = setting(0.5, label="Lightness", lo=0.0, hi=1.0, step=0.1,
                                   help="how light the grey is")


    class FakeEngine:
        name = "fake"

        def __init__(self, width, height):
            self.width, self.height = width, height

        def identity(self):
            return {"engine": "fake", "fake_version": "1"}

        def random_latent(self, spec):
            import torch

            return torch.zeros((1, 1, 2, 2))

        def keyframe(self, spec, init, callback=None):
            import torch

            for i in range(spec.iterations):
                if callback is not None and callback(i + 1, spec.iterations, 0.0):
                    raise Cancelled()
            return torch.full((1, 1, 2, 2), float(spec.param("lightness")))

        def decode(self, z):
            import numpy as np

            v = (z.mean(dim=(1, 2, 3)).numpy() * 255).round().astype("uint8")
            return np.stack([np.full((self.height, self.width, 3), x, np.uint8) for x in v])


    def load(s, render, device):
        if os.environ.get("DREAMREEL_FAKE_LOAD_MARK"):
            open(os.environ["DREAMREEL_FAKE_LOAD_MARK"], "w").close()
        time.sleep(float(os.environ.get("DREAMREEL_FAKE_LOAD_SLEEP", "0")))
        return FakeEngine(render.width, render.height)


    ENTRY = EngineEntry(
        name="fake", label="Fake (tests)", settings_cls=FakeSettings,
        load_fn=load,
        identity_fn=lambda s, render: {"engine": "fake", "fake_version": "1"},
        key_params_fn=lambda s: {"lightness": float(s.lightness)},
        needs_worker_process=True,
    )
''')


def install(folder: Path) -> Path:
    """Write the plug-in (module + dist-info with its entry point) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dreamreel_fake_engine.py").write_text(MODULE)
    info = folder / "dreamreel_fake_engine-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dreamreel-fake-engine\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[dreamreel.engines]\nfake = dreamreel_fake_engine:ENTRY\n")
    return folder


@pytest.fixture
def fake_engine(tmp_path, monkeypatch):
    """The fake engine installed for this test (in-process and for child processes)."""
    from dreamreel.core.engine import registry

    folder = install(tmp_path / "site")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]))
    registry.reset()
    yield folder
    registry.reset()
    sys.modules.pop("dreamreel_fake_engine", None)
