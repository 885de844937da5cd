"""Burnt-in text with Pillow (no Qt): lyric captions and the draft engine's corner mark.

Overlays are rendered once per distinct text as premultiplied RGBA arrays and composited on
each frame with numpy, so captions cost almost nothing per frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=8)
def _font(size: int):
    try:
        return ImageFont.load_default(size=size)  # scalable font in Pillow >= 10.1
    except TypeError:
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        words, line = para.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if line and draw.textlength(trial, font=font) > max_width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return [ln for ln in lines if ln.strip()]


class Overlay:
    """A premultiplied RGBA overlay: `apply(frame)` composites it onto an RGB uint8 frame."""

    def __init__(self, rgba: np.ndarray):
        a = rgba[..., 3:4].astype(np.float32) / 255.0
        self.alpha = a
        self.rgb = rgba[..., :3].astype(np.float32) * a
        ys, xs = np.nonzero(rgba[..., 3])
        self.box = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1) if len(ys) else None

    def apply(self, frame: np.ndarray) -> np.ndarray:
        if self.box is None:
            return frame
        y0, y1, x0, x1 = self.box
        out = frame.copy()
        region = out[y0:y1, x0:x1].astype(np.float32)
        region = self.rgb[y0:y1, x0:x1] + region * (1 - self.alpha[y0:y1, x0:x1])
        out[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
        return out


def caption_overlay(text: str, width: int, height: int) -> Overlay:
    """A lyric caption: wrapped white text on a soft dark band near the bottom."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    text = text.strip()
    if not text:
        return Overlay(np.asarray(img))
    draw = ImageDraw.Draw(img)
    size = max(8, height // 14)
    font = _font(size)
    lines = _wrap(draw, text, font, int(width * 0.9))[-3:]  # at most three lines, keep the end
    line_h = int(size * 1.25)
    total_h = line_h * len(lines)
    top = height - total_h - max(4, height // 16)
    pad = max(2, size // 4)
    draw.rectangle((0, top - pad, width, top + total_h + pad), fill=(0, 0, 0, 110))
    for i, line in enumerate(lines):
        tw = draw.textlength(line, font=font)
        draw.text(((width - tw) / 2, top + i * line_h), line, font=font, fill=(255, 255, 255, 255))
    return Overlay(np.asarray(img))


def draft_mark_overlay(width: int, height: int, label: str = "draft") -> Overlay:
    """A small translucent "draft" mark in the top-right corner."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    size = max(8, height // 20)
    font = _font(size)
    tw = draw.textlength(label, font=font)
    m = max(2, size // 3)
    x, y = width - tw - 2 * m, m
    draw.rectangle((x - m, y - m // 2, x + tw + m, y + size + m // 2), fill=(0, 0, 0, 90))
    draw.text((x, y), label, font=font, fill=(255, 255, 255, 200))
    return Overlay(np.asarray(img))


class Captioner:
    """Per-frame text: the caption of the block showing at frame i (cached per text), plus an
    optional draft mark. `blocks` is a list of (first_frame, end_frame_exclusive, text), with
    frames as the render computes them (round(t·fps)) so captions change with the picture."""

    def __init__(self, blocks: list[tuple[int, int, str]], width: int, height: int, *,
                 lyrics: bool = True, draft_mark: bool = False):
        self.blocks = blocks if lyrics else []
        self.size = (width, height)
        self.mark = draft_mark_overlay(width, height) if draft_mark else None
        self._overlays: dict[str, Overlay] = {}

    def text_at(self, index: int) -> str:
        for start, end, text in self.blocks:
            if start <= index < end:
                return text
        return ""

    def apply(self, frame: np.ndarray, index: int) -> np.ndarray:
        text = self.text_at(index)
        if text:
            if text not in self._overlays:
                self._overlays[text] = caption_overlay(text, *self.size)
            frame = self._overlays[text].apply(frame)
        if self.mark is not None:
            frame = self.mark.apply(frame)
        return frame
