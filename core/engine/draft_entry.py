"""The draft engine's registry entry and settings (torch-free; the engine is `draft.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from dreamreel.core.engine.registry import EngineEntry, setting

DRAFT_VERSION = "1"


@dataclass
class DraftSettings:
    """What shapes a draft picture besides the prompts and the size."""

    iterations_first: int = setting(200, label="Iterations (first keyframe)", lo=0, hi=100000, step=10,
                                    help="steps towards the prompt's colours from a random start")
    iterations: int = setting(30, label="Iterations (next keyframes)", lo=0, hi=100000, step=5,
                              help="steps from the previous keyframe (warm start)")
    learning_rate: float = setting(0.1, label="Flow rate", lo=1e-6, hi=100.0, step=0.05,
                                   help="share of the way to the target colours moved per iteration")


def draft_identity() -> dict:
    """The draft engine's cache identity: fixed (no weights, no device dependence)."""
    from dreamreel.core.engine.base import ENGINE_VERSION

    return {"engine": "draft", "draft_version": DRAFT_VERSION, "engine_version": ENGINE_VERSION}


def _identity(settings: DraftSettings, render) -> dict:
    return draft_identity()


def _key_params(settings: DraftSettings) -> dict:
    # cutn and cut_pow are VQGAN knobs the draft ignores; format 1 hashed them into every key,
    # so they stay in at their old defaults: an unchanged format-1 project keeps its draft keys,
    # and editing the VQGAN's cutouts re-keys no draft keyframe.
    return {"learning_rate": float(settings.learning_rate), "cutn": 32, "cut_pow": 1.0}


def _load(settings: DraftSettings, render, device):
    from dreamreel.core.engine.draft import DraftEngine

    return DraftEngine(render.width, render.height)


def _look(settings: DraftSettings, render, spec):
    from dreamreel.core.engine.draft import DraftEngine, target_field

    engine = DraftEngine(render.width, render.height)
    return engine.decode(target_field(spec, *engine.grid))[0]


ENTRY = EngineEntry(
    name="draft",
    label="Draft (instant, no models)",
    description="Weight-free colour fields from the prompts' words: instant, for timing and layout.",
    settings_cls=DraftSettings,
    load_fn=_load,
    identity_fn=_identity,
    key_params_fn=_key_params,
    needs_worker_process=False,
    seconds_per_iteration_fn=lambda settings, render, device_type: 2e-5,
    timing_steps=5,
    look_fn=_look,
)
