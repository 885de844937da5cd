"""The one prompt grammar, `text[:weight[:stop]] | text[:weight[:stop]]` (as the VQGAN+CLIP
notebooks write it), and composition with the project's style.

Weights and stops are plain decimals (`1`, `-0.5`, `.25`, `+2`). A field that Python would read
as a number but is not a plain decimal (`1e-1`, `1E2`, `1_0`, or one too large to be
finite) is refused with a DreamreelError naming the part; any other colon is text
(`Time: the end` is one prompt; `ink:inf` is the text "ink:inf", never an infinite weight). Block text, style fields (editor and project) and the CSV
screenplay's style column all read through `parse_prompts`.
"""

from __future__ import annotations

import math
import re

from dreamreel.core.engine.base import WeightedPrompt
from dreamreel.core.errors import DreamreelError
from dreamreel.core.project import Block, Prompt, Style

_PLAIN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


def _number(field: str, part: str, index: int, what: str) -> float | None:
    """`field` as a plain decimal; None when it is not a number at all (so it is text)."""
    field = field.strip()
    where = f"{what} {field[:40]!r} in prompt part {index + 1} {part[:60]!r}"
    if _PLAIN.fullmatch(field):
        value = float(field)
        if math.isfinite(value):
            return value
        raise DreamreelError(f"{where}: is too large; weights and stops are small numbers like 1, -0.5 or .25")
    try:
        float(field)
    except ValueError:
        return None
    if not any(c.isdigit() for c in field):
        return None  # `inf`, `nan`, `Infinity` are words (a lyric `Love:Infinity` stays text), never a weight
    raise DreamreelError(f"{where}: is not a plain decimal number; write it like 1, -0.5 or .25 "
                         f"(no exponents)")


def parse_part(part: str, index: int = 0) -> WeightedPrompt | None:
    """One `text[:weight[:stop]]` part; None when it is empty."""
    part = part.strip()
    if not part:
        return None
    head, sep, last = part.rpartition(":")
    if not sep or not head.strip():
        return WeightedPrompt(part, 1.0)
    inner, sep2, middle = head.rpartition(":")
    if sep2 and inner.strip():
        last_value = _number(last, part, index, "stop")
        if last_value is not None:
            weight = _number(middle, part, index, "weight")
            if weight is not None:
                return WeightedPrompt(inner.strip(), weight, last_value)
            return WeightedPrompt(head.strip(), last_value)
        return WeightedPrompt(part, 1.0)
    weight = _number(last, part, index, "weight")
    return WeightedPrompt(part, 1.0) if weight is None else WeightedPrompt(head.strip(), weight)


def parse_prompts(text: str) -> list[WeightedPrompt]:
    """Split `a:1 | b:-0.5:0.9` into weighted prompts (stop -inf when none). Empty parts are
    dropped. DreamreelError for a number-looking field that is not a plain decimal."""
    out = []
    for i, raw in enumerate(text.split("|")):
        p = parse_part(raw, i)
        if p is not None:
            out.append(p)
    return out


def parse_style_prompts(text: str) -> list[Prompt]:
    """A style field (`oil painting:1 | dark:0.5:0.2`) as project phrases."""
    return [Prompt(p.text, p.weight, None if p.stop == -math.inf else p.stop) for p in parse_prompts(text)]


def format_prompt(p) -> str:
    """Inverse of `parse_part` for a Prompt or WeightedPrompt."""
    stop = getattr(p, "stop", None)
    has_stop = stop is not None and stop != -math.inf
    if p.weight == 1.0 and not has_stop:
        return p.text
    out = f"{p.text}:{_decimal(p.weight)}"
    return out + f":{_decimal(stop)}" if has_stop else out


def format_prompts(prompts) -> str:
    return " | ".join(format_prompt(p) for p in prompts)


def _decimal(x: float) -> str:
    """A plain decimal the grammar reads back to exactly `x` (no exponent)."""
    short = format(x, "g")
    if "e" not in short and float(short) == x:
        return short
    text = format(x, "f")
    if float(text) != x:
        text = format(x, ".17f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text if float(text) == x else repr(x)


def _stop(p: Prompt) -> float:
    return -math.inf if p.stop is None else p.stop


def uses_prompt_syntax(block: Block) -> bool:
    """Whether a block's text is read with the grammar: not for literal lyrics
    (`prompt_syntax` False, what the LRC/SRT/VTT/ASS/labels readers set)."""
    return block.prompt_syntax is not False


def block_prompts(block: Block) -> list[WeightedPrompt]:
    """A block's own prompts: its text by the grammar, or (literal lyrics) the whole text as
    one prompt of weight 1, so `Meet me at 9:30` and `Psalm 23:4` stay words."""
    if uses_prompt_syntax(block):
        return parse_prompts(block.text)
    text = block.text.strip()
    return [WeightedPrompt(text, 1.0)] if text else []


def block_style(block: Block, style: Style) -> Style:
    """The style one block renders with, from the project's `style` and the block's own by its
    `style_mode`: "add" (project phrases, then the block's), "replace" (the block's phrases
    only); both keep the project's negatives, then the block's. "replace-all" (and None, what
    a block style meant before the mode existed) is the block's style alone."""
    own = block.style
    if own is None:
        return style
    mode = block.style_mode or "replace-all"
    if mode == "replace-all":
        return own
    phrases = (list(style.phrases) if mode == "add" else []) + list(own.phrases)
    return Style(phrases=phrases, negatives=list(style.negatives) + list(own.negatives))


def compose_prompts(block: Block, style: Style) -> tuple[WeightedPrompt, ...]:
    """The prompts one block renders with: its own text (`block_prompts`), then the style
    phrases, then the negatives (with negated weights), the style being `block_style`'s."""
    style = block_style(block, style)
    prompts = block_prompts(block)
    prompts += [WeightedPrompt(p.text, p.weight, _stop(p)) for p in style.phrases if p.text.strip()]
    prompts += [WeightedPrompt(p.text, -abs(p.weight), _stop(p)) for p in style.negatives if p.text.strip()]
    return tuple(prompts)
