"""The Dreamreel project model: Project, Block, Style, RenderSettings, and their JSON form.

Times are integer milliseconds. The project file (`*.dreamreel`) is plain JSON with a
`format_version`; `load_project` validates and names the first problem by its JSON path.
Every edit goes through `dreamreel.core.commands`, which announces changes on `Project.changed`.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from dreamreel.core.atomic import atomic_write_text
from dreamreel.core.engine.registry import DEFAULT_ENGINE
from dreamreel.core.errors import ProjectError
from dreamreel.core.events import Signal
from dreamreel.core.validate import check_bounds, parse_project_json

FORMAT_VERSION = 2
MIN_BLOCK_MS = 50
CONTINUITY_MODES = ("chain", "per-block")
STYLE_MODES = ("add", "replace", "replace-all")  # Block.style_mode; None reads as "replace-all"
INTERPOLATIONS = ("linear", "slerp", "rife", "minterpolate")  # latent blends, network, ffmpeg
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_SIZE = 8192  # pixels a side


def new_id() -> str:
    """A short stable block id."""
    return uuid.uuid4().hex[:12]


@dataclass
class WordTiming:
    """One word of an enhanced-LRC line with its own start time."""

    start_ms: int
    text: str


@dataclass
class Prompt:
    """A weighted text phrase, e.g. `oil painting:1.0`. Negative weights push away. `stop`
    (None: none) is the notebooks' stop: the signed distance never counts below it."""

    text: str
    weight: float = 1.0
    stop: float | None = None

    def __str__(self) -> str:
        from dreamreel.core.engine.prompts import format_prompt

        return format_prompt(self)


@dataclass
class Style:
    """Global (or per-block) style: weighted phrases joined to each block's prompt."""

    phrases: list[Prompt] = field(default_factory=list)
    negatives: list[Prompt] = field(default_factory=list)


@dataclass
class Block:
    """A timed prompt: shows from start_ms (inclusive) to end_ms (exclusive)."""

    text: str
    start_ms: int
    end_ms: int
    id: str = field(default_factory=new_id)
    secondary: str = ""
    words: list[WordTiming] = field(default_factory=list)
    style: Style | None = None
    seed: int | None = None
    iterations: int | None = None
    stanza_break: bool = False  # lyrics: a blank line comes before this block (a new verse)
    # How the text reads as prompts: True = the prompt grammar (`text:weight:stop | ...`),
    # False = literal words, the whole text one prompt of weight 1 (lyrics: `Meet me at 9:30`),
    # None = not said (projects from before the flag, blocks typed in the editor): the grammar,
    # as it always was, so their keyframe keys stay. Saved only when not None.
    prompt_syntax: bool | None = None
    # How the block's own `style` meets the project's (STYLE_MODES): "add" = the project's phrases
    # then the block's; "replace" = the block's phrases instead of the project's; both keep the
    # project's negatives (then the block's). "replace-all" = the block's style alone, the
    # project's negatives dropped too. None = "replace-all", what a block style always meant (so
    # existing projects keep their keys). Saved only when set.
    style_mode: str | None = None

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass
class AudioRef:
    """The song. `path` is relative to the project file when the project has been saved."""

    path: str
    sha256: str = ""
    duration_ms: int = 0
    sample_rate: int = 0


@dataclass
class MusicDrive:
    """How strongly the music drives the picture; 0 turns a mode off (DESIGN §3.5)."""

    effort: float = 0.0  # iterations scale with loudness/onset strength
    pacing: float = 0.0  # interpolation follows cumulative onset energy
    pulse: float = 0.0  # zoom/brightness pulse on beats
    clusters: int = 0  # k for sound clusters; 0 = off
    cluster_strength: float = 0.0


def _default_engine_settings() -> dict[str, Any]:
    from dreamreel.core.engine import registry

    return registry.default_settings()


@dataclass
class RenderSettings:
    """Everything that shapes the rendered pictures, besides the blocks and style: the settings
    every engine shares, and one settings block per engine (`engines`, each engine's own
    dataclass from the registry; a block of an engine that is not installed stays a dict)."""

    width: int = 256
    height: int = 256
    fps: int = 30
    keyframes_per_second: float = 2.0
    seed: int = 0
    continuity: str = "chain"
    interpolation: str = "linear"
    engine: str = DEFAULT_ENGINE
    device: str = "auto"
    burn_lyrics: bool = False
    music: MusicDrive = field(default_factory=MusicDrive)
    engines: dict[str, Any] = field(default_factory=_default_engine_settings)

    def engine_settings(self, name: str | None = None):
        """The settings of engine `name` (default: the chosen one); its defaults when the
        project has no block for it. DreamreelError when that engine is not installed."""
        from dreamreel.core.engine import registry

        name = name or self.engine
        entry = registry.get(name)
        value = self.engines.get(name)
        return value if isinstance(value, entry.settings_cls) else entry.settings_cls()

    def update_engine(self, name: str | None = None, **values) -> None:
        """Change some of engine `name`'s own settings (default: the chosen engine's)."""
        from dataclasses import replace

        name = name or self.engine
        self.engines = {**self.engines, name: replace(self.engine_settings(name), **values)}


@dataclass
class Project:
    """A song, its timed blocks, the style and the render settings."""

    blocks: list[Block] = field(default_factory=list)
    style: Style = field(default_factory=Style)
    render: RenderSettings = field(default_factory=RenderSettings)
    audio: AudioRef | None = None
    tags: dict[str, str] = field(default_factory=dict)  # LRC ID tags, verbatim, in order
    title: str = ""
    path: Path | None = field(default=None, compare=False, repr=False)
    changed: Signal = field(default_factory=Signal, compare=False, repr=False)

    @property
    def duration_ms(self) -> int | None:
        """The song's length when known, else None."""
        return self.audio.duration_ms if self.audio and self.audio.duration_ms > 0 else None

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(block_id)

    def index_of(self, block_id: str) -> int:
        for i, b in enumerate(self.blocks):
            if b.id == block_id:
                return i
        raise KeyError(block_id)

    def block_at(self, t_ms: int) -> Block | None:
        """The block showing at t_ms, if any."""
        for b in self.blocks:
            if b.start_ms <= t_ms < b.end_ms:
                return b
        return None

    def audio_path(self) -> Path | None:
        """Absolute path of the song, resolved against the project file's folder."""
        if self.audio is None:
            return None
        p = Path(self.audio.path)
        if not p.is_absolute() and self.path is not None:
            p = self.path.parent / p
        return p


# --- JSON -----------------------------------------------------------------------------------


def project_to_dict(project: Project) -> dict[str, Any]:
    """The JSON-ready form of a project (without its path and observers)."""
    return {
        "format_version": FORMAT_VERSION,
        "title": project.title,
        "audio": asdict(project.audio) if project.audio else None,
        "tags": dict(project.tags),
        "style": _style_dict(asdict(project.style)),
        "render": asdict(project.render),
        "blocks": [_block_dict(asdict(b)) for b in project.blocks],
    }


def _style_dict(style: dict | None) -> dict | None:
    """A style's JSON form: a phrase's `stop` only when set, so existing files stay the same."""
    if style is not None:
        for name in ("phrases", "negatives"):
            for p in style[name]:
                if p.get("stop") is None:
                    p.pop("stop", None)
    return style


def _block_dict(block: dict) -> dict:
    """A block's JSON form: the fields added later only when set, so existing files stay the same."""
    block["style"] = _style_dict(block["style"])
    for name in _OPTIONAL_BLOCK_FIELDS:
        if block.get(name) is None:
            block.pop(name, None)
    return block


_OPTIONAL_BLOCK_FIELDS = ("prompt_syntax", "style_mode")


def save_project(project: Project, path: str | Path) -> None:
    """Write the project atomically (temp file, fsync, rename); audio path stored relative."""
    path = Path(path).absolute()
    audio_abs = project.audio_path()
    data = project_to_dict(project)
    if audio_abs is not None and data["audio"] is not None:
        try:
            data["audio"]["path"] = str(Path(_relpath(audio_abs, path.parent)))
        except ValueError:
            data["audio"]["path"] = str(audio_abs)
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    if project.audio is not None:
        project.audio.path = data["audio"]["path"]
    project.path = path


def _relpath(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(target.absolute(), start.absolute())


def load_project(path: str | Path) -> Project:
    """Read and validate a project file; ProjectError names the file and the JSON path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such project file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProjectError(f"{path}: cannot read project file ({e})") from None
    try:
        project = project_from_dict(parse_project_json(text))
    except json.JSONDecodeError as e:
        raise ProjectError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    except ProjectError as e:
        raise ProjectError(f"{path}: {e}") from None
    project.path = path.absolute()
    return project


# Format 1 kept every engine's knobs in `render` itself; format 2 keeps them per engine. The
# keys are the format-1 fields each built-in engine read (history: no other engine existed).
_V1_ENGINE_FIELDS = {
    "draft": ("iterations_first", "iterations", "learning_rate"),
    "vqgan-clip": ("iterations_first", "iterations", "learning_rate", "cutn", "cut_pow", "vqgan", "clip_model",
                   "clip_pretrained"),
}


def _migrate_1_to_2(data: dict) -> dict:
    """Move the engine knobs of `render` into `render.engines.<engine>`; every value is kept,
    so an unchanged project plans the same keyframe keys (its cache stays valid)."""
    data = dict(data)
    render = data.get("render", {})
    if isinstance(render, dict):
        render = dict(render)
        moved = {key: render.pop(key) for key in {k for ks in _V1_ENGINE_FIELDS.values() for k in ks}
                 if key in render}
        render["engines"] = {name: {k: moved[k] for k in keys if k in moved}
                             for name, keys in _V1_ENGINE_FIELDS.items()}
        data["render"] = render
    data["format_version"] = 2
    return data


MIGRATIONS: dict[int, Any] = {1: _migrate_1_to_2}
"""format_version -> function(dict) -> dict upgrading to version + 1."""


def project_from_dict(data: Any) -> Project:
    """Validate and build a Project from its JSON form (after migrating old versions)."""
    if not isinstance(data, dict):
        raise ProjectError("top level: must be an object")
    version = data.get("format_version")
    if not isinstance(version, int):
        raise ProjectError("format_version: missing or not an integer")
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"format_version: {version} is newer than this Dreamreel understands "
            f"({FORMAT_VERSION}); update Dreamreel"
        )
    if version < 1 or any(v not in MIGRATIONS for v in range(version, FORMAT_VERSION)):
        raise ProjectError(f"format_version: {version} is not a Dreamreel project version")
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    audio = data.get("audio")
    project = Project(
        title=_typed(data, "title", str, "", "title"),
        audio=_dataclass(AudioRef, audio, "audio") if audio is not None else None,
        tags=_tags(_typed(data, "tags", dict, {}, "tags")),
        style=_style(data.get("style", {}), "style"),
        render=_render(data.get("render", {}), "render"),
        blocks=[_block(b, f"blocks[{i}]") for i, b in enumerate(_typed(data, "blocks", list, [], "blocks"))],
    )
    check_bounds(project)  # times within 24 h, no negative durations, sane weights/seeds
    # Overlaps can only have been made on purpose (a modifier in the editor), so they load.
    validate_blocks(project.blocks, project.duration_ms, allow_overlap=True)
    return project


def validate_blocks(blocks: list[Block], duration_ms: int | None, *, allow_overlap: bool = False,
                    overlap_checked: set[str] | None = None) -> None:
    """Raise ProjectError naming the first block that breaks an invariant.

    Overlaps are errors unless `allow_overlap`; with `overlap_checked`, only overlaps involving
    those block ids count (an edit may keep overlaps the artist made on purpose earlier)."""
    seen: set[str] = set()
    prev: Block | None = None
    for i, b in enumerate(blocks):
        where = f"blocks[{i}]"
        if b.id in seen:
            raise ProjectError(f"{where}.id: duplicate id {b.id!r}")
        seen.add(b.id)
        if b.start_ms < 0:
            raise ProjectError(f"{where}.start_ms: must be >= 0")
        if b.end_ms - b.start_ms < MIN_BLOCK_MS:
            raise ProjectError(f"{where}.end_ms: must be at least {MIN_BLOCK_MS} ms after start_ms")
        if duration_ms is not None and b.end_ms > duration_ms:
            raise ProjectError(f"{where}.end_ms: {b.end_ms} is past the end of the song ({duration_ms} ms)")
        if prev is not None:
            if b.start_ms < prev.start_ms:
                raise ProjectError(f"{where}.start_ms: blocks must be sorted by start time")
            checked = overlap_checked is None or b.id in overlap_checked or prev.id in overlap_checked
            if not allow_overlap and checked and b.start_ms < prev.end_ms:
                raise ProjectError(f"{where}.start_ms: overlaps the previous block (ends {prev.end_ms})")
        prev = b


def _typed(data: dict, key: str, typ: type, default: Any, where: str) -> Any:
    value = data.get(key, default)
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise ProjectError(f"{where}: a {len(str(abs(value)))}-digit number is too large") from None
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise ProjectError(f"{where}: must be {typ.__name__}")
    if typ is float and not math.isfinite(value):
        raise ProjectError(f"{where}: must be a finite number")
    return value


def _tags(tags: dict) -> dict[str, str]:
    for key, value in tags.items():
        if not isinstance(value, str):
            raise ProjectError(f"tags.{key}: must be str")
    return tags


def _dataclass(cls: type, data: Any, where: str):
    if not isinstance(data, dict):
        raise ProjectError(f"{where}: must be an object")
    kwargs = {}
    for f in fields(cls):
        if f.name in data:
            typ = {"int": int, "float": float, "str": str, "bool": bool}.get(str(f.type))
            kwargs[f.name] = _typed(data, f.name, typ, None, f"{where}.{f.name}") if typ else data[f.name]
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise ProjectError(f"{where}: {e}") from None


def _prompts(data: Any, where: str) -> list[Prompt]:
    if not isinstance(data, list):
        raise ProjectError(f"{where}: must be a list")
    return [_dataclass(Prompt, p, f"{where}[{i}]") for i, p in enumerate(data)]


def _style(data: Any, where: str) -> Style:
    if not isinstance(data, dict):
        raise ProjectError(f"{where}: must be an object")
    return Style(
        phrases=_prompts(data.get("phrases", []), f"{where}.phrases"),
        negatives=_prompts(data.get("negatives", []), f"{where}.negatives"),
    )


def _render(data: Any, where: str) -> RenderSettings:
    if not isinstance(data, dict):
        raise ProjectError(f"{where}: must be an object")
    data = dict(data)
    music = _dataclass(MusicDrive, data.pop("music", {}), f"{where}.music")
    engines = _engines(data.pop("engines", {}), f"{where}.engines")
    settings = _dataclass(RenderSettings, data, where)
    settings.music = music
    settings.engines = {**settings.engines, **engines}
    problem = check_render_settings(settings)
    if problem:
        raise ProjectError(f"{where}.{problem}")
    return settings


def _engines(data: Any, where: str) -> dict[str, Any]:
    """Each installed engine's block as its settings dataclass (checked); a block of an engine
    that is not installed is kept as it is, so saving does not lose it."""
    from dreamreel.core.engine import registry
    from dreamreel.core.errors import DreamreelError

    if not isinstance(data, dict):
        raise ProjectError(f"{where}: must be an object")
    out: dict[str, Any] = {}
    installed = registry.entries()
    for name, block in data.items():
        if name not in installed:
            if not isinstance(block, dict):
                raise ProjectError(f"{where}.{name}: must be an object")
            out[name] = block
            continue
        try:
            out[name] = registry.settings_from_dict(installed[name].settings_cls, block, f"{where}.{name}")
        except DreamreelError as e:
            raise ProjectError(str(e)) from None
    return out


def check_style(style: Style) -> str | None:
    """Return "field: problem" for the first invalid style entry, or None."""
    for name in ("phrases", "negatives"):
        for i, p in enumerate(getattr(style, name)):
            if not isinstance(p.text, str):
                return f"{name}[{i}].text: must be text"
            if isinstance(p.weight, bool) or not isinstance(p.weight, (int, float)) or not math.isfinite(p.weight):
                return f"{name}[{i}].weight: must be a finite number"
            if p.stop is not None and (isinstance(p.stop, bool) or not isinstance(p.stop, (int, float))
                                       or not math.isfinite(p.stop)):
                return f"{name}[{i}].stop: must be a finite number or absent"
    return None


def check_render_settings(s: RenderSettings) -> str | None:
    """Return "field: problem" for the first invalid setting, or None."""
    if not (16 <= s.width <= MAX_SIZE and 16 <= s.height <= MAX_SIZE) or s.width % 2 or s.height % 2:
        return f"width/height: {s.width}x{s.height} must be even and between 16 and {MAX_SIZE}"
    if not 1 <= s.fps <= 120:
        return f"fps: {s.fps} must be between 1 and 120"
    if not 0 < s.keyframes_per_second <= s.fps:
        return f"keyframes_per_second: {s.keyframes_per_second} must be > 0 and <= fps"
    if not 0 <= s.seed < 2**63:
        return f"seed: {s.seed} must be between 0 and 2**63-1"
    m = s.music
    for name in ("effort", "pacing", "pulse", "cluster_strength"):
        value = getattr(m, name)
        if not (math.isfinite(value) and 0 <= value <= 1):
            return f"music.{name}: {value} must be between 0 and 1"
    if not 0 <= m.clusters <= 64:
        return f"music.clusters: {m.clusters} must be between 0 (off) and 64"
    if s.continuity not in CONTINUITY_MODES:
        return f"continuity: {s.continuity!r} is not one of {', '.join(CONTINUITY_MODES)}"
    if s.interpolation not in INTERPOLATIONS:
        return f"interpolation: {s.interpolation!r} is not one of {', '.join(INTERPOLATIONS)}"
    from dreamreel.core.engine import registry

    installed = registry.entries()
    if s.engine not in installed:
        return f"engine: {s.engine!r} is not installed (installed: {', '.join(installed)})"
    for name, settings in s.engines.items():
        if name in installed and isinstance(settings, installed[name].settings_cls):
            problem = registry.check_settings(settings)
            if problem:
                return f"engines.{name}.{problem}"
    if s.device not in DEVICES:
        return f"device: {s.device!r} is not one of {', '.join(DEVICES)}"
    return None


def _block(data: Any, where: str) -> Block:
    if not isinstance(data, dict):
        raise ProjectError(f"{where}: must be an object")
    data = dict(data)
    words = [_dataclass(WordTiming, w, f"{where}.words[{i}]")
             for i, w in enumerate(_typed(data, "words", list, [], f"{where}.words"))]
    data.pop("words", None)
    style = data.pop("style", None)
    for key in ("text", "start_ms", "end_ms"):
        if key not in data:
            raise ProjectError(f"{where}.{key}: missing")
    for key in ("seed", "iterations"):
        if data.get(key) is not None and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            raise ProjectError(f"{where}.{key}: must be an integer or null")
    if data.get("prompt_syntax") is not None and not isinstance(data["prompt_syntax"], bool):
        raise ProjectError(f"{where}.prompt_syntax: must be true, false or absent")
    if data.get("style_mode") is not None and data["style_mode"] not in STYLE_MODES:
        raise ProjectError(f"{where}.style_mode: must be one of {', '.join(STYLE_MODES)} or absent")
    block = _dataclass(Block, data, where)
    block.words = words
    block.style = _style(style, f"{where}.style") if style is not None else None
    return block
