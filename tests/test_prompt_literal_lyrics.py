"""Lyrics stay literal: blocks read from LRC/SRT/VTT/ASS/labels are words, a CSV screenplay's
are prompt syntax, and a block's "Prompt syntax" checkbox in the inspector switches it."""

from __future__ import annotations

import math

import pytest

from cli_helpers import dreamreel
from dreamreel.core.engine.frames import caption_text
from dreamreel.core.engine.prompts import compose_prompts
from dreamreel.core.engine.schedule import plan_keyframes
from dreamreel.core.formats import parse_lyrics
from dreamreel.core.project import Block, Project, Style, load_project, project_from_dict, project_to_dict

IDENT = {"engine": "draft", "engine_version": "test"}
LYRICS = ["Meet me at 9:30", "Psalm 23:4", "John 3:16", "Time: the end"]


def _prompts(plan, block_id):
    spec = next(k.spec for k in plan if k.block_id == block_id)
    return [(p.text, p.weight, p.stop) for p in spec.prompts]


def test_imported_lrc_plans_the_lyric_as_one_prompt_of_weight_one(tmp_path):
    lrc = tmp_path / "song.lrc"
    lrc.write_text("".join(f"[00:{4 * i:02d}.00]{line}\n" for i, line in enumerate(LYRICS)) + "[00:20.00]\n",
                   encoding="utf-8")
    out = tmp_path / "p.dreamreel"
    r = dreamreel("import", lrc, "-o", out)
    assert r.returncode == 0, r.stderr
    project = load_project(out)
    plan = plan_keyframes(project, IDENT)
    assert [_prompts(plan, b.id) for b in project.blocks] == [[(t, 1.0, -math.inf)] for t in LYRICS]
    assert [caption_text(b) for b in project.blocks] == LYRICS  # the caption shows the lyric as written


@pytest.mark.parametrize("fmt, text", [
    ("srt", "1\n00:00:01,000 --> 00:00:03,000\nMeet me at 9:30\n"),
    ("vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nMeet me at 9:30\n"),
    ("ass", "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
            "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,Meet me at 9:30\n"),
    ("labels", "1.0\t3.0\tMeet me at 9:30\n"),
])
def test_subtitles_and_labels_are_literal_too(fmt, text):
    block = parse_lyrics(text, fmt).blocks[0]
    assert block.prompt_syntax is False
    assert compose_prompts(block, Style())[0].text == "Meet me at 9:30"


def test_a_csv_screenplay_block_is_prompt_syntax():
    lyrics = parse_lyrics('"photo:-1:0.9 | sky",0\n"",5\n', "csv")
    block = lyrics.blocks[0]
    assert block.prompt_syntax is True
    assert [(p.text, p.weight, p.stop) for p in compose_prompts(block, Style())] == [
        ("photo", -1.0, 0.9), ("sky", 1.0, -math.inf)]
    assert caption_text(block) == "sky"


def test_flag_is_saved_only_when_set_and_legacy_blocks_keep_their_keys():
    p = Project(blocks=[Block("sky:2", 0, 1000, id="a"), Block("at 9:30", 1000, 2000, id="b", prompt_syntax=False)])
    d = project_to_dict(p)
    assert "prompt_syntax" not in d["blocks"][0] and d["blocks"][1]["prompt_syntax"] is False
    assert project_from_dict(d).blocks == p.blocks
    # a block without the flag (every project saved before it) reads its text by the grammar, as before
    legacy = plan_keyframes(Project(blocks=[Block("sky:2", 0, 1000, id="a")]), IDENT)
    marked = plan_keyframes(Project(blocks=[Block("sky:2", 0, 1000, id="a", prompt_syntax=True)]), IDENT)
    assert [k.key for k in legacy] == [k.key for k in marked]
    assert _prompts(legacy, "a") == [("sky", 2.0, -math.inf)]
    d["blocks"][1]["prompt_syntax"] = "yes"
    with pytest.raises(Exception, match=r"blocks\[1\]\.prompt_syntax"):
        project_from_dict(d)


def test_a_literal_lyric_that_looks_like_a_bad_number_still_loads():
    d = project_to_dict(Project(blocks=[Block("Top 1:1e5", 0, 1000, prompt_syntax=False)]))
    assert project_from_dict(d).blocks[0].text == "Top 1:1e5"
    d["blocks"][0].pop("prompt_syntax")
    with pytest.raises(Exception, match="1e5"):
        project_from_dict(d)


def test_merging_two_lyrics_joins_them_as_words():
    from dreamreel.core.commands import MergeWithNext

    p = Project(blocks=[Block("Meet me at 9:30", 0, 1000, id="a", prompt_syntax=False),
                        Block("tonight", 1000, 2000, id="b", prompt_syntax=False)])
    MergeWithNext(block_id="a").apply(p)
    assert p.blocks[0].text == "Meet me at 9:30 / tonight"


def test_incremental_states_see_the_flag_change(tmp_path):
    """The editor's states reuse unchanged blocks' plans: flipping the flag must replan the block."""
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.states import plan_states

    p = Project(blocks=[Block("Meet me at 9:30", 0, 1000, id="a")])
    cache = KeyframeCache(tmp_path / "cache")
    before = plan_states(p, IDENT, cache)
    p.blocks[0].prompt_syntax = False  # in place, no command: the fingerprint must still see it
    after = plan_states(p, IDENT, cache, previous=before)
    assert [pr.text for pr in after.keyframes[0].spec.prompts] == ["Meet me at 9:30"]
    assert after.keyframes[0].key != before.keyframes[0].key
