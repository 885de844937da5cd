"""Edit commands: every change to a Project goes through one of these.

A command validates against the current project first and raises `CommandError` without
changing anything when it fails (Kdenlive/OpenShot style all-or-nothing edits). `apply` does the
work, `undo` restores exactly what `apply` changed; both announce a `Change` on
`project.changed`. The editor wraps each command in a QUndoCommand (work in redo()).

Most timing commands are expressed as a `SetTimes` (a set of blocks getting new start/end), so
validation and undo live in one place.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace

from dreamreel.core.clock import format_clock
from dreamreel.core.errors import CommandError, ProjectError
from dreamreel.core.events import Change
from dreamreel.core.project import MIN_BLOCK_MS, STYLE_MODES, Block, Project, RenderSettings, Style, new_id
from dreamreel.core.project import validate_blocks
from dreamreel.core.project import check_render_settings, check_style


class Command:
    """Base class. Subclasses implement `_do(project) -> Change` and `_undo(project) -> Change`."""

    label = "Edit"

    def apply(self, project: Project) -> None:
        change = self._do(project)
        project.changed.emit(change)

    def undo(self, project: Project) -> None:
        change = self._undo(project)
        project.changed.emit(change)

    def merge(self, other: Command) -> bool:
        """Absorb `other` (applied right after self) into self; True when merged (nudges)."""
        return False

    def _do(self, project: Project) -> Change:  # pragma: no cover - abstract
        raise NotImplementedError

    def _undo(self, project: Project) -> Change:  # pragma: no cover - abstract
        raise NotImplementedError


def _check(blocks: list[Block], project: Project, allow_overlap: bool = False) -> None:
    """Validate an edit's result; overlaps count only where the edit changed a block.

    The one validator is `validate_blocks`; its `blocks[i].field` wording is turned into words
    that name blocks as the artist sees them (1-based number and text)."""
    before = {b.id: b for b in project.blocks}
    touched = {b.id for b in blocks if before.get(b.id) != b}
    try:
        validate_blocks(blocks, project.duration_ms, allow_overlap=allow_overlap, overlap_checked=touched)
    except ProjectError as e:
        raise CommandError(_in_words(str(e), blocks, project)) from None


_WHERE = re.compile(r"^blocks\[(\d+)\]\.(\w+): (.*)$", re.S)


def block_name(project: Project, block: Block) -> str:
    """`block 9 “Meet me at nine”`: the number the artist sees (1-based, current order) and text."""
    try:
        number = project.index_of(block.id) + 1
    except (KeyError, ValueError):
        number = None
    text = block.text.strip() or "(empty)"
    if len(text) > 30:
        text = text[:29] + "…"
    return f"block {number} “{text}”" if number else f"the new block “{text}”"


def _in_words(message: str, blocks: list[Block], project: Project) -> str:
    m = _WHERE.match(message)
    if not m:
        return message
    i, field_name, rest = int(m.group(1)), m.group(2), m.group(3)
    b = blocks[i]
    name = block_name(project, b)
    if field_name == "start_ms" and rest.startswith("overlaps"):
        prev = blocks[i - 1]
        before = {x.id: x for x in project.blocks}
        if before.get(b.id) == b and before.get(prev.id) != prev:  # the edit moved the earlier one
            return f"{block_name(project, prev)} would overlap {name} (it starts at {format_clock(b.start_ms)})"
        return f"{name} would overlap {block_name(project, prev)} (it ends at {format_clock(prev.end_ms)})"
    if field_name == "start_ms" and ">= 0" in rest:
        return f"{name} would start before the song ({format_clock(b.start_ms)})"
    if field_name == "end_ms" and "past the end" in rest:
        return f"{name} would end at {format_clock(b.end_ms)}, after the end of the song ({format_clock(project.duration_ms)})"
    if field_name == "end_ms" and "at least" in rest:
        return f"{name} would be shorter than {MIN_BLOCK_MS} ms"
    return f"{name}: {rest}"


def _sorted(blocks: list[Block]) -> list[Block]:
    return sorted(blocks, key=lambda b: b.start_ms)  # stable: equal starts keep their order


@dataclass
class _Snapshot(Command):
    """Replace the whole block list with a validated new one; undo puts the old list back.

    The simplest correct all-or-nothing edit: blocks are small, so copying them is cheap.
    """

    _before: list[Block] | None = field(default=None, init=False, repr=False)
    _after: list[Block] | None = field(default=None, init=False, repr=False)
    allow_overlap: bool = field(default=False, kw_only=True)

    def _new_blocks(self, project: Project) -> list[Block]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _do(self, project: Project) -> Change:
        if self._after is None:
            after = _sorted(self._new_blocks(project))
            _check(after, project, self.allow_overlap)
            self._before, self._after = project.blocks, after
        project.blocks = list(self._after)
        return _diff(self._before, self._after)

    def _undo(self, project: Project) -> Change:
        project.blocks = list(self._before)
        return _diff(self._after, self._before)


def _diff(before: list[Block], after: list[Block]) -> Change:
    old = {b.id: b for b in before}
    new = {b.id: b for b in after}
    changed = {i for i in old.keys() & new.keys() if old[i] != new[i]}
    return Change(
        "blocks",
        block_ids=frozenset(changed),
        added=frozenset(new.keys() - old.keys()),
        removed=frozenset(old.keys() - new.keys()),
    )


def _get(project: Project, block_id: str) -> Block:
    try:
        return project.block(block_id)
    except KeyError:
        raise CommandError(f"no block with id {block_id!r}") from None


@dataclass
class SetTimes(_Snapshot):
    """Give blocks new (start_ms, end_ms). The base of move, resize, nudge and ripple edits.

    `group` names what the artist moved (the selection) so repeated nudges of it merge even when
    a later nudge also carries a neighbour's edge; `note` is a line the editor shows after the
    edit when it did something the artist might not expect (a clamp at the song's end)."""

    times: dict[str, tuple[int, int]] = field(default_factory=dict)
    label: str = "Change timing"
    group: tuple[str, ...] = ()
    note: str = ""

    def _new_blocks(self, project):
        for block_id in self.times:
            _get(project, block_id)
        return [
            replace(b, start_ms=int(self.times[b.id][0]), end_ms=int(self.times[b.id][1])) if b.id in self.times else b
            for b in project.blocks
        ]

    def merge(self, other: Command) -> bool:
        if type(other) is not SetTimes or other.label != self.label:
            return False
        same = other.group == self.group if self.group else other.times.keys() == self.times.keys()
        if not same:
            return False
        self.times = {**self.times, **other.times}
        self._after = other._after
        self.note = other.note
        return True


def move_blocks(project: Project, ids: list[str], delta_ms: int, *, allow_overlap: bool = False) -> SetTimes:
    """Move several blocks by the same delta (one undo step for a multi-select drag)."""
    times = {i: (_get(project, i).start_ms + delta_ms, _get(project, i).end_ms + delta_ms) for i in ids}
    return SetTimes(times=times, label="Move", allow_overlap=allow_overlap)


def resize_block(project: Project, block_id: str, *, start_ms: int | None = None, end_ms: int | None = None,
                 allow_overlap: bool = False) -> SetTimes:
    """Move one block's start and/or end edge."""
    b = _get(project, block_id)
    times = {block_id: (b.start_ms if start_ms is None else start_ms, b.end_ms if end_ms is None else end_ms)}
    return SetTimes(times=times, label="Resize", allow_overlap=allow_overlap)


def roll_edge(project: Project, left_id: str, right_id: str, t_ms: int) -> SetTimes:
    """Roll edit (Kdenlive): the edge two touching blocks share moves to t_ms; both change."""
    left, right = _get(project, left_id), _get(project, right_id)
    if left.end_ms != right.start_ms:
        raise CommandError(f"{block_name(project, left)} and {block_name(project, right)} do not touch")
    return SetTimes(times={left_id: (left.start_ms, t_ms), right_id: (t_ms, right.end_ms)}, label="Roll edit")


def set_edge(project: Project, block_id: str, edge: str, t_ms: int, *, roll: bool = False) -> SetTimes:
    """Set one block's start or end to t_ms without a refusal for neighbours: a neighbour the
    edge runs into is trimmed back to it, and with `roll` a touching neighbour's shared edge
    follows (a typed time for a shared edge moves that edge, like dragging it). Refused in
    words only when a block would get shorter than MIN_BLOCK_MS."""
    if edge not in ("start", "end"):
        raise CommandError("edge must be start or end")
    b = _get(project, block_id)
    i, blocks = project.index_of(block_id), project.blocks
    times = {block_id: (t_ms, b.end_ms) if edge == "start" else (b.start_ms, t_ms)}
    if edge == "start" and i > 0:
        prev = blocks[i - 1]
        if prev.end_ms <= b.start_ms and ((roll and prev.end_ms == b.start_ms) or t_ms < prev.end_ms):
            times[prev.id] = (prev.start_ms, t_ms)
    if edge == "end" and i + 1 < len(blocks):
        nxt = blocks[i + 1]
        if nxt.start_ms >= b.end_ms and ((roll and nxt.start_ms == b.end_ms) or t_ms > nxt.start_ms):
            times[nxt.id] = (t_ms, nxt.end_ms)
    label = "Roll edit" if len(times) > 1 and roll else f"Set {edge}"
    return SetTimes(times=times, label=label)


def _carry_neighbours(project: Project, times: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """The edit `times` plus the edges of unmoved neighbours it carries along.

    A neighbour that touched a moved block keeps touching it (its shared edge follows: a roll),
    and one the move would run into is pushed back to the moved edge. Only the adjacent block on
    each side changes, so an edit stays local; if that squeezes it under MIN_BLOCK_MS,
    validation refuses in words."""
    blocks = project.blocks
    out = dict(times)
    for i, b in enumerate(blocks):
        if b.id in times:
            continue
        s, e = b.start_ms, b.end_ms
        if i > 0 and blocks[i - 1].id in times:
            prev, (_, new_end) = blocks[i - 1], times[blocks[i - 1].id]
            if prev.end_ms == b.start_ms or new_end > s:
                s = new_end
        if i + 1 < len(blocks) and blocks[i + 1].id in times:
            nxt, (new_start, _) = blocks[i + 1], times[blocks[i + 1].id]
            if nxt.start_ms == b.end_ms or new_start < e:
                e = new_start
        if (s, e) != (b.start_ms, b.end_ms):
            out[b.id] = (s, e)
    return out


def nudge_blocks(project: Project, ids: list[str], delta_ms: int, *, ripple: bool = False) -> SetTimes:
    """Move the selected blocks by delta_ms; consecutive nudges of the same selection merge into
    one undo step. Touching neighbours' shared edges follow (never a refusal for touching); with
    `ripple` every block after the selection moves too (and the song's end clamps, see shift_all)."""
    if not ids:
        raise CommandError("select the blocks to nudge first")
    if ripple:
        first = min(_get(project, i).start_ms for i in ids)
        cmd = shift_all(project, first, delta_ms)
    else:
        moved = {i: (_get(project, i).start_ms + delta_ms, _get(project, i).end_ms + delta_ms) for i in ids}
        cmd = SetTimes(times=_carry_neighbours(project, moved))
    cmd.label, cmd.group = "Nudge", tuple(sorted(ids))
    return cmd


def shift_all(project: Project, from_ms: int, delta_ms: int) -> SetTimes:
    """Ripple: shift every block starting at or after `from_ms` by `delta_ms`.

    The block just before keeps touching when it touched (its end follows) and is trimmed when
    the shift runs into it; blocks pushed past the song's end are trimmed at the end, and the
    command's `note` says so. Refused (in words) only when a block would vanish."""
    times = {b.id: (b.start_ms + delta_ms, b.end_ms + delta_ms) for b in project.blocks if b.start_ms >= from_ms}
    if not times:
        raise CommandError(f"no blocks start at or after {format_clock(from_ms)}")
    note = ""
    end = project.duration_ms
    if end is not None and delta_ms > 0:
        trimmed = [b for b in project.blocks if b.id in times and times[b.id][1] > end]
        for b in trimmed:
            s, _ = times[b.id]
            if end - s < MIN_BLOCK_MS:
                raise CommandError(f"{block_name(project, b)} would start at {format_clock(s)}, past the end of the song "
                                   f"({format_clock(end)}); shift by less")
            times[b.id] = (s, end)
        if trimmed:
            names = ", ".join(block_name(project, b) for b in trimmed[:2]) + (" …" if len(trimmed) > 2 else "")
            note = f"{names} trimmed at the end of the song ({format_clock(end)})"
    return SetTimes(times=_carry_neighbours(project, times), label="Shift all", note=note)


@dataclass
class InsertBlock(_Snapshot):
    """Insert a new block (its times must fit between its neighbours)."""

    block: Block = None
    label: str = "Insert block"

    def _new_blocks(self, project):
        if any(b.id == self.block.id for b in project.blocks):
            raise CommandError(f"a block with id {self.block.id!r} already exists")
        return project.blocks + [self.block]


@dataclass
class DeleteBlocks(_Snapshot):
    """Delete blocks by id."""

    ids: list[str] = field(default_factory=list)
    label: str = "Delete"

    def _new_blocks(self, project):
        for i in self.ids:
            _get(project, i)
        return [b for b in project.blocks if b.id not in set(self.ids)]


@dataclass
class ReplaceBlocks(_Snapshot):
    """Replace all blocks at once (e.g. importing lyrics into a project)."""

    blocks: list[Block] = field(default_factory=list)
    label: str = "Replace blocks"

    def _new_blocks(self, project):
        return list(self.blocks)


@dataclass
class SplitBlock(_Snapshot):
    """Split a block at `at_ms`; the right half gets a new id and the same text."""

    block_id: str = ""
    at_ms: int = 0
    new_id: str = field(default_factory=new_id)
    label: str = "Split"

    def _new_blocks(self, project):
        b = _get(project, self.block_id)
        if not (b.start_ms + MIN_BLOCK_MS <= self.at_ms <= b.end_ms - MIN_BLOCK_MS):
            raise CommandError(f"cannot split at {self.at_ms} ms: both halves must be at least {MIN_BLOCK_MS} ms")
        left = replace(b, end_ms=self.at_ms, words=[w for w in b.words if w.start_ms < self.at_ms])
        right = replace(b, id=self.new_id, start_ms=self.at_ms, stanza_break=False,
                        words=[w for w in b.words if w.start_ms >= self.at_ms])
        return [x for x in project.blocks if x.id != b.id] + [left, right]


MERGE_MODES = ("join", "first")


def join_texts(a: str, b: str, *, literal: bool = False) -> str:
    """Two block texts as one: `a / b`, or `a | b` when either uses prompt syntax
    (`text:weight`, `|`), so each part keeps the weight it had (the prompt grammar splits on `|`).
    `literal`: the texts are lyrics (not read as prompts), always `a / b`."""
    a, b = a.strip(), b.strip()
    if not a or not b:
        return a or b
    return f"{a} | {b}" if not literal and (_is_prompt(a) or _is_prompt(b)) else f"{a} / {b}"


def _is_prompt(text: str) -> bool:
    from dreamreel.core.engine.prompts import parse_prompts  # the one prompt parser

    from dreamreel.core.errors import DreamreelError

    try:
        parts = parse_prompts(text)
    except DreamreelError:  # `ink:1e9`: written as prompt syntax, if not valid
        return True
    return len(parts) != 1 or parts[0].weight != 1.0 or parts[0].text != text.strip()


@dataclass
class MergeWithNext(_Snapshot):
    """Merge a block with the one after it: one block spanning both.

    mode "join" joins the texts (`join_texts`: " / ", or " | " for prompts), "first" keeps the
    first block's text (Aegisub's "keep first")."""

    block_id: str = ""
    mode: str = "join"
    label: str = "Merge"

    def _new_blocks(self, project):
        if self.mode not in MERGE_MODES:
            raise CommandError(f"merge mode must be one of {', '.join(MERGE_MODES)}")
        b0 = _get(project, self.block_id)
        i = project.index_of(b0.id)
        if i + 1 >= len(project.blocks):
            raise CommandError(f"{block_name(project, b0)} is the last block: there is no next block to merge with")
        a, b = project.blocks[i], project.blocks[i + 1]
        if self.mode == "first":
            text, secondary, words = a.text, a.secondary, a.words + b.words
        else:
            text = join_texts(a.text, b.text, literal=a.prompt_syntax is False)  # the merged block keeps a's flag
            secondary = " / ".join(t for t in (a.secondary.strip(), b.secondary.strip()) if t)
            words = a.words + b.words
        merged = replace(a, end_ms=max(a.end_ms, b.end_ms), text=text, secondary=secondary, words=words)
        return project.blocks[:i] + [merged] + project.blocks[i + 2:]


@dataclass
class SetBlockFields(_Snapshot):
    """Set content fields of one block: text, secondary, style, seed, iterations, words,
    prompt_syntax, style_mode."""

    block_id: str = ""
    fields: dict = field(default_factory=dict)
    label: str = "Edit block"

    EDITABLE = ("text", "secondary", "style", "seed", "iterations", "words", "prompt_syntax", "style_mode")

    def _new_blocks(self, project):
        b = _get(project, self.block_id)
        _check_editable(self.fields)
        new = replace(b, **copy.deepcopy(self.fields))
        return [new if x.id == b.id else x for x in project.blocks]


def _check_editable(fields: dict) -> None:
    """Refuse fields a block edit may not set, or values `_check_fields` refuses."""
    bad = set(fields) - set(SetBlockFields.EDITABLE)
    if bad:
        raise CommandError(f"cannot set {', '.join(sorted(bad))} on a block")
    problem = _check_fields(fields)
    if problem:
        raise CommandError(problem)


@dataclass
class SetBlocksFields(_Snapshot):
    """The same content fields (as SetBlockFields) on several blocks: one validation, one undo."""

    block_ids: list[str] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    label: str = "Edit blocks"

    def _new_blocks(self, project):
        _check_editable(self.fields)
        ids = {_get(project, i).id for i in self.block_ids}
        return [replace(b, **copy.deepcopy(self.fields)) if b.id in ids else b for b in project.blocks]


def _check_fields(fields: dict) -> str | None:
    if fields.get("prompt_syntax") is not None and not isinstance(fields["prompt_syntax"], bool):
        return "prompt_syntax must be true, false or empty"
    if fields.get("style_mode") is not None and fields["style_mode"] not in STYLE_MODES:
        return f"style_mode must be one of {', '.join(STYLE_MODES)}, or empty"
    for key in ("text", "secondary"):
        if key in fields and not isinstance(fields[key], str):
            return f"{key} must be text"
    for key, low in (("seed", 0), ("iterations", 0)):
        value = fields.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
            return f"{key} must be a whole number >= {low}, or empty for the project default"
    if fields.get("style") is not None:
        problem = check_style(fields["style"])
        return f"style.{problem}" if problem else None
    return None


def set_text(project: Project, block_id: str, text: str, secondary: str | None = None) -> SetBlockFields:
    """Change a block's text (and optionally its secondary text)."""
    fields = {"text": text} if secondary is None else {"text": text, "secondary": secondary}
    return SetBlockFields(block_id=block_id, fields=fields, label="Edit text")


@dataclass
class SetTexts(_Snapshot):
    """New texts for many blocks at once (find/replace in every line): one validation, one undo."""

    texts: dict[str, str] = field(default_factory=dict)
    label: str = "Replace text"

    def _new_blocks(self, project):
        for block_id, text in self.texts.items():
            _get(project, block_id)
            if not isinstance(text, str):
                raise CommandError("text must be text")
        return [replace(b, text=self.texts[b.id]) if b.id in self.texts else b for b in project.blocks]


@dataclass
class SetStyle(Command):
    """Replace the project's global style."""

    style: Style = field(default_factory=Style)
    label: str = "Change style"
    _before: Style | None = field(default=None, init=False, repr=False)

    def _do(self, project):
        problem = check_style(self.style)
        if problem:
            raise CommandError(f"style.{problem}")
        self._before, project.style = project.style, copy.deepcopy(self.style)
        return Change("style")

    def _undo(self, project):
        project.style = self._before
        return Change("style")


@dataclass
class SetRenderSettings(Command):
    """Replace the render settings (validated)."""

    settings: RenderSettings = field(default_factory=RenderSettings)
    label: str = "Change render settings"
    _before: RenderSettings | None = field(default=None, init=False, repr=False)

    def _do(self, project):
        problem = check_render_settings(self.settings)
        if problem:
            raise CommandError(problem)
        self._before, project.render = project.render, copy.deepcopy(self.settings)
        return Change("render")

    def _undo(self, project):
        project.render = self._before
        return Change("render")


@dataclass
class SetTags(Command):
    """Replace the LRC metadata tags."""

    tags: dict[str, str] = field(default_factory=dict)
    label: str = "Change tags"
    _before: dict | None = field(default=None, init=False, repr=False)

    def _do(self, project):
        self._before, project.tags = project.tags, dict(self.tags)
        return Change("tags")

    def _undo(self, project):
        project.tags = self._before
        return Change("tags")


def bake_offset(project: Project) -> SetTags:
    """Bake the LRC `[offset:]` into the times: block times are already effective (importers
    apply the offset), so baking drops the tag so exports no longer carry it."""
    if not any(k.strip().lower() == "offset" for k in project.tags):
        raise CommandError("the project has no [offset:] tag to bake")
    cmd = SetTags(tags={k: v for k, v in project.tags.items() if k.strip().lower() != "offset"})
    cmd.label = "Bake LRC offset"
    return cmd


@dataclass
class SetAudio(Command):
    """Attach (or replace) the song. Rejected when existing blocks run past its end."""

    audio: object = None  # AudioRef | None
    label: str = "Set audio"
    _before: object = field(default=None, init=False, repr=False)

    def _do(self, project):
        if self.audio is not None and self.audio.duration_ms > 0:
            late = [b for b in project.blocks if b.end_ms > self.audio.duration_ms]
            if late:
                raise CommandError(
                    f"block {late[0].text[:30]!r} ends at {late[0].end_ms} ms, after the end of the new song "
                    f"({self.audio.duration_ms} ms); shorten it first"
                )
        self._before, project.audio = project.audio, copy.deepcopy(self.audio)
        return Change("audio")

    def _undo(self, project):
        project.audio = self._before
        return Change("audio")
