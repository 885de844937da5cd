"""The bundled example's `Crimson sky | burning clouds:0.6`, read the three ways the README's
Prompt syntax table says: the example project and its screenplay.csv read the grammar (two
prompts), its lyrics.lrc imports as one literal prompt, and stays one through a CSV round trip."""

from __future__ import annotations

import math
from pathlib import Path

from cli_helpers import dreamreel
from dreamreel.core.engine.prompts import block_prompts
from dreamreel.core.formats import read_lyrics
from dreamreel.core.project import load_project

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
LINE = "Crimson sky | burning clouds:0.6"
TWO = [("Crimson sky", 1.0, -math.inf), ("burning clouds", 0.6, -math.inf)]
LITERAL = [(LINE, 1.0, -math.inf)]


def _crimson(blocks):
    block = next(b for b in blocks if b.text == LINE)
    return [(p.text, p.weight, p.stop) for p in block_prompts(block)]


def test_the_example_project_and_screenplay_read_two_prompts_the_lrc_one_literal():
    assert _crimson(load_project(EXAMPLES / "example.dreamreel").blocks) == TWO
    assert _crimson(read_lyrics(EXAMPLES / "screenplay.csv").blocks) == TWO
    assert _crimson(read_lyrics(EXAMPLES / "lyrics.lrc").blocks) == LITERAL


def test_the_imported_lrc_line_stays_literal_through_a_csv_export_and_import(tmp_path):
    project = tmp_path / "lrc.dreamreel"
    assert dreamreel("import", EXAMPLES / "lyrics.lrc", "-o", project).returncode == 0
    csv = tmp_path / "out.csv"
    r = dreamreel("export", project, "--format", "csv", "-o", csv)
    assert r.returncode == 0, r.stderr
    back = tmp_path / "back.dreamreel"
    r = dreamreel("import", csv, "-o", back)
    assert r.returncode == 0, r.stderr
    assert _crimson(load_project(back).blocks) == LITERAL
    assert all(b.prompt_syntax is False for b in load_project(back).blocks)
