"""The engine registry: every picture engine, what it needs and what it costs, in one place.

An engine is one `EngineEntry`: its name (stored in projects, cache identities and on the
CLI), a label for people, its **own settings dataclass** (fields made with `setting(...)`:
default, range or choices, label and help text, enough for the CLI and the editor to build
their options and forms), and functions:

- `load(settings, render, device) -> Engine`: build the engine (may load model files),
- `identity(settings, render) -> dict`: its cache identity *without loading models* (weight
  hashes are cached per file), equal to the loaded engine's `identity()`,
- `missing(settings) -> [Missing]`: what is not on disk, where it was looked for and the
  command that fetches it ([] when it can render now),
- `key_params(settings) -> dict`: the engine's own parameters hashed into each keyframe key
  (so a knob of one engine never re-keys another engine's keyframes),
- `memory_bytes(settings, render, device_type)` and `seconds_per_iteration(...)`: estimates
  (None when unknown), and `needs_worker_process` (load and optimise in a killable process).
- `default_interpolation`: the in-betweens a project left at "auto" gets; `latent_walk`:
  the loaded engine has `latent_walk(a, b, init_b, t)` (in-betweens it denoises itself, for
  the "latent" interpolation; cached under `interpolate.inbetween_key`).

Every settings class has `iterations_first` and `iterations` (the work of a random-start and a
warm-started keyframe: what the schedule, the effort drive and the estimates count).

The built-in entries live in light (torch-free) modules listed in `BUILTIN`; third-party
engines register through the entry-point group `dreamreel.engines`, each entry point naming
an `EngineEntry` object::

    [project.entry-points."dreamreel.engines"]
    my-engine = "my_package.my_engine:ENTRY"

Nothing outside an engine's own modules compares engine names: callers ask the registry.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dreamreel.core.errors import DreamreelError

ENTRY_POINT_GROUP = "dreamreel.engines"
BUILTIN = (
    "dreamreel.core.engine.draft_entry:ENTRY",
    "dreamreel.core.engine.vqgan_clip_entry:ENTRY",
    "dreamreel.core.engine.sd_entry:ENTRY",
)
DEFAULT_ENGINE = "draft"
_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


# --- settings -------------------------------------------------------------------------------


def setting(default: Any, *, label: str, help: str = "", lo: float | None = None, hi: float | None = None,
            step: float | None = None, choices: tuple | None = None, suggestions: tuple | None = None,
            key: bool = True, advanced: bool = False):
    """A field of an engine's settings dataclass, with what a form or a CLI option needs.
    `choices`: the only values allowed; `suggestions`: values offered, others allowed too;
    `key`: the value shapes pictures (an entry's `key_params` hashes it or the identity covers it);
    `advanced`: shown by the CLI, left out of the editor's form."""
    meta = {"label": label, "help": help, "lo": lo, "hi": hi, "step": step, "choices": choices,
            "suggestions": suggestions, "key": key, "advanced": advanced}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class SettingInfo:
    """One engine setting as a form or the CLI shows it."""

    name: str
    label: str
    type: type
    default: Any
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple | None = None
    suggestions: tuple | None = None
    advanced: bool = False

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["type"] = self.type.__name__
        for name in ("choices", "suggestions"):
            d[name] = list(d[name]) if d[name] is not None else None
        return d


def settings_info(cls) -> list[SettingInfo]:
    """The fields of a settings dataclass, in order."""
    out = []
    for f in dataclasses.fields(cls):
        m = f.metadata
        typ = f.type if isinstance(f.type, type) else _TYPES.get(str(f.type), str)
        out.append(SettingInfo(f.name, m.get("label", f.name), typ, f.default, m.get("help", ""), m.get("lo"),
                               m.get("hi"), m.get("step"), m.get("choices"), m.get("suggestions"),
                               m.get("advanced", False)))
    return out


def check_settings(obj) -> str | None:
    """"field: problem" for the first value of a settings object out of its type or range."""
    for info in settings_info(type(obj)):
        value = getattr(obj, info.name)
        problem = _check_value(info, value)
        if problem:
            return f"{info.name}: {problem}"
    return None


def _check_value(info: SettingInfo, value) -> str | None:
    if info.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, info.type) or (info.type is not bool and isinstance(value, bool)):
        return f"must be {info.type.__name__}"
    if info.type is float and not math.isfinite(value):
        return "must be a finite number"
    if info.choices is not None and value not in info.choices:
        return f"{value!r} is not one of {', '.join(map(str, info.choices))}"
    if info.lo is not None and value < info.lo:
        return f"{value} must be >= {info.lo:g}"
    if info.hi is not None and value > info.hi:
        return f"{value} must be <= {info.hi:g}"
    return None


def settings_from_dict(cls, data: Any, where: str):
    """Build and check a settings object from its JSON form (unknown keys are refused,
    missing ones take their defaults); DreamreelError names `where.field`."""
    if not isinstance(data, dict):
        raise DreamreelError(f"{where}: must be an object")
    infos = {i.name: i for i in settings_info(cls)}
    kwargs = {}
    for name, value in data.items():
        info = infos.get(name)
        if info is None:
            raise DreamreelError(f"{where}.{name}: not a setting of this engine (known: {', '.join(infos)})")
        problem = _check_value(info, value)
        if problem:
            raise DreamreelError(f"{where}.{name}: {problem}")
        kwargs[name] = float(value) if info.type is float else value
    return cls(**kwargs)


def parse_setting(cls, text: str):
    """`NAME=VALUE` (a CLI option) -> (name, typed value); DreamreelError naming the problem."""
    name, sep, raw = text.partition("=")
    infos = {i.name: i for i in settings_info(cls)}
    name = name.strip().replace("-", "_")
    if not sep or name not in infos:
        raise DreamreelError(f"--set {text}: expected NAME=VALUE with NAME one of {', '.join(infos)}")
    info = infos[name]
    try:
        if info.type is bool:
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            value = raw.lower() in ("1", "true", "yes", "on")
        else:
            value = info.type(raw)
    except ValueError:
        raise DreamreelError(f"--set {text}: {name} must be {info.type.__name__}") from None
    problem = _check_value(info, value)
    if problem:
        raise DreamreelError(f"--set {text}: {name} {problem}")
    return name, value


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """Something an engine needs that is not on disk: `what`, and a line saying where it was
    looked for and how to fetch it; `download`: the name `dreamreel models download` (and the
    editor's Download…) fetches it by, when there is one."""

    what: str
    detail: str
    download: str = ""

    def __str__(self) -> str:
        return self.detail or f"{self.what} is missing"


def _none(*_args, **_kwargs):
    return None


def _nothing_missing(_settings) -> list:
    return []


@dataclass(frozen=True)
class EngineEntry:
    """One engine, as the registry knows it (see the module docstring)."""

    name: str
    label: str
    settings_cls: type
    load_fn: Callable[[Any, Any, str | None], Any]
    identity_fn: Callable[[Any, Any], dict]
    key_params_fn: Callable[[Any], dict]
    missing_fn: Callable[[Any], list] = _nothing_missing
    description: str = ""
    needs_worker_process: bool = False
    memory_fn: Callable[[Any, Any, str], int | None] = _none
    seconds_per_iteration_fn: Callable[[Any, Any, str], float | None] = _none
    timing_steps: int = 2  # optimisation steps a render times before estimating
    default_interpolation: str = "linear"  # the in-betweens of a project left at "auto"
    # `--interpolation latent` makes the engine's own `latent_walk` in-betweens (denoised) when True,
    # latent blends otherwise
    latent_walk: bool = False
    look_fn: Callable[[Any, Any, Any], Any] | None = None  # (settings, render, spec) -> instant stand-in RGB

    # Each method takes the project's RenderSettings and reads this engine's block of it.

    def settings(self, render):
        """This engine's settings from a project's RenderSettings (defaults if it has none)."""
        return render.engine_settings(self.name)

    def load(self, render, device: str | None = None):
        """The engine, ready to render (may load model files: ModelNotFoundError when absent)."""
        return self.load_fn(self.settings(render), render, device)

    def identity(self, render) -> dict:
        """The cache identity, without loading models."""
        return self.identity_fn(self.settings(render), render)

    def missing(self, render) -> list[Missing]:
        return list(self.missing_fn(self.settings(render)))

    def key_params(self, render) -> dict:
        return dict(self.key_params_fn(self.settings(render)))

    def memory_bytes(self, render, device_type: str = "cpu") -> int | None:
        return self.memory_fn(self.settings(render), render, device_type)

    def seconds_per_iteration(self, render, device_type: str = "cpu") -> float | None:
        return self.seconds_per_iteration_fn(self.settings(render), render, device_type)

    def look(self, render, spec):
        """An instant stand-in picture (uint8 (H, W, 3)) for a keyframe not rendered yet, or
        None when the engine has no such look."""
        return None if self.look_fn is None else self.look_fn(self.settings(render), render, spec)

    def settings_info(self) -> list[SettingInfo]:
        return settings_info(self.settings_cls)

    def describe(self, render=None) -> dict:
        """JSON-ready: name, label, availability and settings (for `dreamreel engines --json`)."""
        from dreamreel.core.project import RenderSettings

        render = render if render is not None else RenderSettings()
        try:
            missing = [str(m) for m in self.missing(render)]
        except DreamreelError as e:
            missing = [str(e)]
        return {"name": self.name, "label": self.label, "description": self.description,
                "available": not missing, "missing": missing,
                "needs_worker_process": self.needs_worker_process,
                "settings": [i.as_dict() for i in self.settings_info()]}


def check_entry(entry) -> str | None:
    """Why an object cannot be registered as an engine, or None."""
    if not isinstance(entry, EngineEntry):
        return f"is a {type(entry).__name__}, not an EngineEntry"
    if not dataclasses.is_dataclass(entry.settings_cls):
        return "settings_cls is not a dataclass"
    names = {f.name for f in dataclasses.fields(entry.settings_cls)}
    if not {"iterations_first", "iterations"} <= names:
        return "settings_cls needs iterations_first and iterations fields"
    return None


_entries: dict[str, EngineEntry] | None = None
_problems: list[str] = []


def _load_object(spec: str):
    import importlib

    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _discover() -> dict[str, EngineEntry]:
    from importlib.metadata import entry_points

    found: dict[str, EngineEntry] = {}
    for spec in BUILTIN:
        entry = _load_object(spec)
        found[entry.name] = entry
    seen = set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.value in seen:
            continue  # the same package visible twice on the path (editable + installed)
        seen.add(ep.value)
        try:
            entry = ep.load()
        except Exception as e:  # noqa: BLE001 - a broken plug-in must not break Dreamreel
            _problems.append(f"engine plug-in {ep.name} ({ep.value}): cannot load ({type(e).__name__}: {e})")
            continue
        problem = check_entry(entry)
        if problem is None and entry.name in found and found[entry.name] is not entry:
            problem = f"its name {entry.name!r} is taken by another engine"
        if problem:
            _problems.append(f"engine plug-in {ep.name} ({ep.value}): {problem}")
            continue
        found[entry.name] = entry
    return found


def entries() -> dict[str, EngineEntry]:
    """{name: entry} of every engine: built-ins first, then plug-ins (discovered once)."""
    global _entries
    if _entries is None:
        _entries = _discover()
    return _entries


def problems() -> list[str]:
    """Plug-ins that could not be registered, one line each."""
    entries()
    return list(_problems)


def names() -> tuple[str, ...]:
    return tuple(entries())


def get(name: str) -> EngineEntry:
    """The entry of engine `name`; DreamreelError naming the installed ones otherwise."""
    entry = entries().get(name)
    if entry is None:
        raise DreamreelError(f"engine {name!r} is not installed (installed: {', '.join(entries())})")
    return entry


def register(entry: EngineEntry) -> None:
    """Add an engine at run time (tests, scripts); plug-ins use the entry-point group."""
    problem = check_entry(entry)
    if problem:
        raise DreamreelError(f"cannot register engine: {problem}")
    entries()[entry.name] = entry


def reset() -> None:
    """Forget what was discovered (tests that install a plug-in)."""
    global _entries
    _entries = None
    _problems.clear()


def default_settings() -> dict[str, Any]:
    """{name: default settings} of every engine (a new project's per-engine blocks)."""
    return {name: e.settings_cls() for name, e in entries().items()}


def torch_imported() -> bool:
    """Whether torch is loaded in this process (the GUI thread avoids being the one to load it)."""
    return "torch" in sys.modules
