"""Prompt syntax and composition: `text:weight | other:weight`, plus the project's style."""

from __future__ import annotations

import re

from dreamreel.core.engine.base import WeightedPrompt
from dreamreel.core.project import Block, Style

_WEIGHT = re.compile(r"^(?P<text>.*?):\s*(?P<weight>[-+]?(\d+(\.\d*)?|\.\d+))\s*$", re.S)


def parse_prompts(text: str) -> list[WeightedPrompt]:
    """Split `a:1 | b:-0.5` into weighted prompts. A colon not followed by a number is text
    (`Time: the end` stays whole). Empty parts are dropped."""
    out = []
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        m = _WEIGHT.match(part)
        if m and m.group("text").strip():
            out.append(WeightedPrompt(m.group("text").strip(), float(m.group("weight"))))
        else:
            out.append(WeightedPrompt(part, 1.0))
    return out


def compose_prompts(block: Block, style: Style) -> tuple[WeightedPrompt, ...]:
    """The prompts one block renders with: its own text, then style phrases, then negatives
    (with negated weights). A block's own style replaces the project style."""
    style = block.style if block.style is not None else style
    prompts = parse_prompts(block.text)
    prompts += [WeightedPrompt(p.text, p.weight) for p in style.phrases if p.text.strip()]
    prompts += [WeightedPrompt(p.text, -abs(p.weight)) for p in style.negatives if p.text.strip()]
    return tuple(prompts)
