"""A CSV screenplay carries Block.prompt_syntax and Block.style_mode: the optional `syntax` and
`style_mode` columns, written when a block needs them and read back with the same meaning.
The other formats cannot hold the flag: they write the text as it is, and it reads back literal."""

from __future__ import annotations

import math

import pytest

from cli_helpers import dreamreel, refused
from dreamreel.core.engine.prompts import block_prompts, compose_prompts
from dreamreel.core.engine.schedule import plan_keyframes
from dreamreel.core.errors import FormatError
from dreamreel.core.formats import format_lyrics, parse_lyrics
from dreamreel.core.project import Block, Project, Prompt, Style, load_project, save_project

IDENT = {"engine": "draft", "engine_version": "test"}
PROJECT_STYLE = Style(phrases=[Prompt("oil painting", 1.0), Prompt("gold", 0.5, 0.2)],
                      negatives=[Prompt("blur", 0.5)])


def _blocks() -> list[Block]:
    own = Style(phrases=[Prompt("ink", 2.0), Prompt("smoke", 0.5, 0.1)], negatives=[Prompt("frame", 0.3, 0.2)])
    return [
        Block("Meet me at 9:30", 0, 2000, id="lyric", prompt_syntax=False),
        Block("Psalm 23:4", 2000, 4000, id="add", prompt_syntax=False, style=own, style_mode="add"),
        Block("photo:-1:0.9 | sky", 4000, 6000, id="replace", prompt_syntax=True, style=own, style_mode="replace"),
        Block("sea:2", 6000, 8000, id="all", style=Style(phrases=[Prompt("ink")], negatives=[Prompt("text", 0.7)]),
              style_mode="replace-all"),
        Block("dusk:0.5", 8000, 10_000, id="legacy", style=own),  # a mode not said: replace-all
        Block("John 3:16", 10_000, 12_000, id="plain", prompt_syntax=False, seed=4),
    ]


def _composed(blocks, style=PROJECT_STYLE):
    return [[(p.text, p.weight, p.stop) for p in compose_prompts(b, style)] for b in blocks]


def _planned(project):
    return [[(p.text, p.weight, p.stop) for p in k.spec.prompts] for k in plan_keyframes(project, IDENT)]


def test_project_to_csv_to_project_keeps_the_prompts_and_the_flags(tmp_path):
    original = Project(blocks=_blocks(), style=PROJECT_STYLE)
    path = tmp_path / "song.dreamreel"
    save_project(original, path)
    csv_path = tmp_path / "screenplay.csv"
    r = dreamreel("export", path, "--format", "csv", "-o", csv_path)
    assert r.returncode == 0, r.stderr
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == (
        "text,start,end,style,seed,secondary,negatives,syntax,style_mode")
    back_path = tmp_path / "back.dreamreel"
    r = dreamreel("import", csv_path, "-o", back_path)
    assert r.returncode == 0, r.stderr
    back = load_project(back_path)
    assert [b.text for b in back.blocks] == [b.text for b in original.blocks]
    assert [b.prompt_syntax for b in back.blocks] == [False, False, True, True, True, False]  # None -> True: both the grammar
    assert [b.style_mode for b in back.blocks] == [None, "add", "replace", "replace-all", "replace-all", None]
    assert [b.style for b in back.blocks] == [b.style for b in original.blocks]  # the block's negatives its own
    assert [block_prompts(b) for b in back.blocks] == [block_prompts(b) for b in original.blocks]
    assert _composed(back.blocks) == _composed(original.blocks)
    assert _composed(back.blocks, Style()) == _composed(original.blocks, Style())
    assert _composed(back.blocks)[0] == [("Meet me at 9:30", 1.0, -math.inf), ("oil painting", 1.0, -math.inf),
                                         ("gold", 0.5, 0.2), ("blur", -0.5, -math.inf)]
    back.style = PROJECT_STYLE  # the project style is not the screenplay's: the same one, the same plan
    assert _planned(back) == _planned(original)


def test_without_the_columns_rows_read_as_they_always_did():
    out = format_lyrics([Block("sky:2", 0, 1000, prompt_syntax=True, style=Style([Prompt("ink")]), style_mode="replace"),
                         Block("sea", 1000, 2000)], "csv")
    assert out.splitlines()[0] == "text,start,end,style,seed,secondary"  # nothing needs the optional columns
    a, b = parse_lyrics(out, "csv").blocks
    assert (a.prompt_syntax, a.style_mode, b.prompt_syntax, b.style_mode) == (True, "replace", True, None)


def test_a_block_style_negative_stays_after_the_project_negatives_in_add_mode():
    block = Block("sky", 0, 1000, style=Style(phrases=[Prompt("ink")], negatives=[Prompt("text", 0.7)]),
                  style_mode="add")
    out = format_lyrics([block], "csv")
    assert out.splitlines() == ["text,start,end,style,seed,secondary,negatives,style_mode",
                                '"sky",0,1,"ink:1",,"","text:0.7",add']
    back = parse_lyrics(out, "csv").blocks[0]
    assert back.style == block.style
    assert [p.text for p in compose_prompts(back, PROJECT_STYLE)] == ["sky", "oil painting", "gold", "ink", "blur", "text"]
    only = parse_lyrics('Text,Start,Negative prompts\nsky,0,"blur:0.5"\n', "csv").blocks[0]
    assert (only.style, only.style_mode) == (Style(phrases=[], negatives=[Prompt("blur", 0.5)]), "replace")
    with pytest.raises(FormatError, match=r"<text>:2: negatives column: weight '1e5'"):
        parse_lyrics('text,start,negatives\nsky,0,"blur:1e5"\n', "csv")


def test_header_names_any_case_and_empty_cells_mean_the_screenplay_default():
    text = ('Text,Start,Style,Prompt Syntax,Style Mode\n'
            '"at 9:30",0,,Literal,\n'
            '"sky:2",1,"ink:2",,Replace All\n'
            '"sea:3",2,"ink",PROMPT,add\n'
            '"end",3,"ink",,\n')
    blocks = parse_lyrics(text, "csv").blocks
    assert [(b.prompt_syntax, b.style_mode) for b in blocks] == [
        (False, None), (True, "replace-all"), (True, "add"), (True, "replace")]
    assert [block_prompts(b)[0].weight for b in blocks] == [1.0, 2.0, 3.0, 1.0]


@pytest.mark.parametrize("column, cell, says", [
    ("syntax", "maybe", "syntax column: 'maybe' is not prompt or literal"),
    ("style_mode", "merge", "style_mode column: 'merge' is not one of add, replace, replace-all"),
])
def test_a_bad_value_is_one_line_naming_the_line_and_the_column(tmp_path, column, cell, says):
    path = tmp_path / "screenplay.csv"
    path.write_text(f"text,start,{column}\nsky,0,\nsea,2,{cell}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=f"screenplay.csv:3: {says}"):
        parse_lyrics(path.read_text(), "csv", source=str(path))
    r = dreamreel("import", path, "-o", tmp_path / "p.dreamreel")
    refused(r, "screenplay.csv:3:", says)
    assert not (tmp_path / "p.dreamreel").exists()


@pytest.mark.parametrize("fmt", ["lrc", "srt", "vtt", "ass", "labels"])
def test_the_lossy_formats_write_a_prompt_block_as_its_text_which_comes_back_literal(fmt):
    blocks = [Block("photo:-1:0.9 | sky:2", 0, 2000, prompt_syntax=True, style=Style([Prompt("ink", 2.0)]),
                    style_mode="add"), Block("Meet me at 9:30", 2000, 4000, prompt_syntax=False)]
    back = parse_lyrics(format_lyrics(blocks, fmt), fmt).blocks
    assert [b.text for b in back] == [b.text for b in blocks]  # the words survive, `|` and `:` included
    assert [(b.prompt_syntax, b.style, b.style_mode) for b in back] == [(False, None, None)] * 2
    assert [(p.text, p.weight) for p in block_prompts(back[0])] == [("photo:-1:0.9 | sky:2", 1.0)]
