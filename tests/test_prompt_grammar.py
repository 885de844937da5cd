"""The one prompt grammar `text[:weight[:stop]]` and the notebooks' stop in the loss."""

import math

import pytest
import torch

from dreamreel.core.engine.base import KeyframeSpec, WeightedPrompt
from dreamreel.core.engine.optimise import prompt_loss
from dreamreel.core.engine.prompts import compose_prompts, format_prompts, parse_prompts, parse_style_prompts
from dreamreel.core.errors import DreamreelError
from dreamreel.core.formats.cues import Problems
from dreamreel.core.formats.screenplay import format_style, parse_screenplay, parse_style
from dreamreel.core.project import Block, Prompt, Style

INF = -math.inf


@pytest.mark.parametrize("text, expected", [
    ("photo:-1:0.9", [("photo", -1.0, 0.9)]),
    ("a red sky:1 | clouds:.5", [("a red sky", 1.0, INF), ("clouds", 0.5, INF)]),
    ("ink:+2", [("ink", 2.0, INF)]),
    ("Time: the end", [("Time: the end", 1.0, INF)]),
    ("a:b:0.5", [("a:b", 0.5, INF)]),
    ("ratio 16:9: wide", [("ratio 16:9: wide", 1.0, INF)]),
    (":5", [(":5", 1.0, INF)]),
    ("x | | y", [("x", 1.0, INF), ("y", 1.0, INF)]),
    ("Chapter:3rd", [("Chapter:3rd", 1.0, INF)]),
])
def test_grammar(text, expected):
    assert [(p.text, p.weight, p.stop) for p in parse_prompts(text)] == expected


@pytest.mark.parametrize("text, field", [("ink:1e999", "1e999"), ("ink:1e-1", "1e-1"), ("ink:1_0", "1_0"),
                                          ("ok | ink:1:-1E2", "-1E2"), ("ink:" + "9" * 400, "9" * 30)])
def test_refused_numbers_name_the_part(text, field):
    with pytest.raises(DreamreelError) as e:
        parse_prompts(text)
    msg = str(e.value)
    assert "ink" in msg and field in msg and "\n" not in msg
    assert ("part 2" in msg) == text.startswith("ok |")


@pytest.mark.parametrize("text", ["ink:inf", "ink:nan", "Love:Infinity", "ok:1:-Infinity"])
def test_inf_and_nan_are_words_never_weights(text):
    """A lyric like `Love:Infinity` must not make a project unloadable, and `ink:inf` must
    never be an infinite weight: the word stays text."""
    prompts = parse_prompts(text)
    assert all(math.isfinite(p.weight) for p in prompts)
    assert [p.text for p in prompts] == [text]


def test_style_fields_and_csv_share_the_grammar():
    assert parse_style_prompts("oil:2:0.3 | dark") == [Prompt("oil", 2.0, 0.3), Prompt("dark", 1.0)]
    with pytest.raises(DreamreelError):
        parse_style("oil:1e-1")  # the CSV reader used to take exponents
    style = Style(phrases=[Prompt("oil", 2.0, 0.3), Prompt("x", 1e-7)], negatives=[Prompt("blur", 0.5)])
    written = format_style(style)
    assert "e" not in written.replace("blur", "")
    assert parse_style(written).phrases == [Prompt("oil", 2.0, 0.3), Prompt("x", 1e-7), Prompt("blur", -0.5)]
    assert format_prompts([Prompt("oil", 2.0, 0.3), Prompt("dark")]) == "oil:2:0.3 | dark"


def test_csv_bad_style_is_refused_naming_file_and_row():
    with pytest.raises(DreamreelError) as e:
        parse_screenplay("text,start,style\nsky,0,oil:2:0.5\nsea,5,ink:1e5\n", Problems("s.csv"))
    assert str(e.value).startswith("s.csv:3: style: weight '1e5'")
    cues, _ = parse_screenplay("text,start,style\nsea,5,oil:2:0.5\n", Problems("s.csv"))
    assert cues[0].style.phrases == [Prompt("oil", 2.0, 0.5)]


def test_compose_carries_stops_and_keys_without_stops_are_unchanged():
    block = Block("sky:1:0.2", 0, 1000)
    style = Style(phrases=[Prompt("oil", 0.5, 0.1)], negatives=[Prompt("blur", 1.0)])
    assert compose_prompts(block, style) == (WeightedPrompt("sky", 1.0, 0.2), WeightedPrompt("oil", 0.5, 0.1),
                                             WeightedPrompt("blur", -1.0))
    plain = KeyframeSpec((WeightedPrompt("sky", 1.0),), 8, 8, 1, 1).as_dict()
    assert plain["prompts"] == [{"text": "sky", "weight": 1.0}]  # the key format before stops
    stopped = KeyframeSpec((WeightedPrompt("sky", 1.0, 0.2),), 8, 8, 1, 1).as_dict()
    assert stopped["prompts"] == [{"text": "sky", "weight": 1.0, "stop": 0.2}]


def _embeds():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 16, generator=g), torch.randn(2, 16, generator=g)


def test_loss_is_signed_weight_times_distance():
    from dreamreel.core.engine.optimise import spherical_dist

    img, txt = _embeds()
    d = spherical_dist(img, txt).mean(0)
    loss = prompt_loss(img, txt, torch.tensor([2.0, -0.5]))
    assert torch.allclose(loss, 2.0 * d[0] - 0.5 * d[1])


def test_stop_clamps_the_pull_below_it_but_not_above():
    from dreamreel.core.engine.optimise import spherical_dist

    img, txt = _embeds()
    d = spherical_dist(img, txt)  # (4, 2)
    weights = torch.tensor([1.0, -1.0])

    def grad(stops):
        x = img.clone().requires_grad_(True)
        prompt_loss(x, txt, weights, stops).backward()
        return x.grad

    free = grad(None)
    assert torch.equal(grad(torch.tensor([INF, INF])), free)
    # a stop above every signed distance: nothing pulls any more, the value is still w*d
    high = torch.tensor([float(d[:, 0].max()) + 1, float(-d[:, 1].max()) + 1])
    assert torch.count_nonzero(grad(high)) == 0
    assert torch.allclose(prompt_loss(img, txt, weights, high), d.mean(0)[0] - d.mean(0)[1])
    # a stop between the cutouts' distances: only cutouts still above it pull
    ds = d[:, 0].sort().values
    mid = torch.tensor([float(ds[1] + ds[2]) / 2, INF])
    x = img.clone().requires_grad_(True)
    prompt_loss(x, txt, torch.tensor([1.0, 0.0]), mid).backward()
    pulling = (d[:, 0] > mid[0])
    assert all(bool(x.grad[i].abs().sum() > 0) == bool(pulling[i]) for i in range(4))


def test_project_saves_stop_only_when_set():
    from dreamreel.core.project import Project, project_from_dict, project_to_dict

    p = Project(style=Style(phrases=[Prompt("oil", 1.0), Prompt("ink", 2.0, 0.4)]))
    p.blocks.append(Block("sky", 0, 1000, style=Style(phrases=[Prompt("fog", 1.0)])))
    d = project_to_dict(p)
    assert d["style"]["phrases"] == [{"text": "oil", "weight": 1.0}, {"text": "ink", "weight": 2.0, "stop": 0.4}]
    assert d["blocks"][0]["style"]["phrases"] == [{"text": "fog", "weight": 1.0}]
    assert project_from_dict(d).style == p.style


def _texts(block, style):
    return [(p.text, p.weight) for p in compose_prompts(block, style)]


def test_block_style_adds_or_replaces_and_keeps_project_negatives():
    project = Style(phrases=[Prompt("oil", 1.0)], negatives=[Prompt("blur", 0.5)])
    own = Style(phrases=[Prompt("ink", 2.0)], negatives=[Prompt("text", 1.0)])
    add = Block("sky", 0, 1000, style=own, style_mode="add")
    assert _texts(add, project) == [("sky", 1.0), ("oil", 1.0), ("ink", 2.0), ("blur", -0.5), ("text", -1.0)]
    replace = Block("sky", 0, 1000, style=own, style_mode="replace")
    assert _texts(replace, project) == [("sky", 1.0), ("ink", 2.0), ("blur", -0.5), ("text", -1.0)]
    alone = Block("sky", 0, 1000, style=own, style_mode="replace-all")
    assert _texts(alone, project) == [("sky", 1.0), ("ink", 2.0), ("text", -1.0)]
    # no mode (every project saved before it): what a block style always meant, the same keys
    legacy = Block("sky", 0, 1000, style=own)
    assert compose_prompts(legacy, project) == compose_prompts(alone, project)
    assert _texts(Block("sky", 0, 1000, style_mode="replace"), project) == [("sky", 1.0), ("oil", 1.0), ("blur", -0.5)]


def test_style_mode_is_saved_only_when_set_and_checked_on_load():
    from dreamreel.core.errors import ProjectError
    from dreamreel.core.project import Project, project_from_dict, project_to_dict

    p = Project(blocks=[Block("a", 0, 1000, style=Style(phrases=[Prompt("ink")])),
                        Block("b", 1000, 2000, style=Style(phrases=[Prompt("ink")]), style_mode="add")])
    d = project_to_dict(p)
    assert "style_mode" not in d["blocks"][0] and d["blocks"][1]["style_mode"] == "add"
    assert project_from_dict(d).blocks == p.blocks
    d["blocks"][1]["style_mode"] = "merge"
    with pytest.raises(ProjectError, match=r"blocks\[1\]\.style_mode: must be one of add, replace, replace-all"):
        project_from_dict(d)


def test_csv_row_style_replaces_phrases_and_keeps_project_negatives():
    from dreamreel.core.formats import parse_lyrics

    block = parse_lyrics("text,start,style\nsky,0,ink:2\nsea,5,\n", "csv").blocks[0]
    assert block.style_mode == "replace"
    project = Style(phrases=[Prompt("oil")], negatives=[Prompt("blur", 0.5)])
    assert _texts(block, project) == [("sky", 1.0), ("ink", 2.0), ("blur", -0.5)]


def test_incremental_states_see_a_style_mode_change(tmp_path):
    from dreamreel.core.engine.cache import KeyframeCache
    from dreamreel.core.engine.states import plan_states
    from dreamreel.core.project import Project

    ident = {"engine": "draft", "engine_version": "test"}
    p = Project(style=Style(phrases=[Prompt("oil")]), blocks=[Block("sky", 0, 1000, style=Style(phrases=[Prompt("ink")]))])
    cache = KeyframeCache(tmp_path)
    before = plan_states(p, ident, cache)
    p.blocks[0].style_mode = "add"  # in place: the fingerprint must see it
    after = plan_states(p, ident, cache, previous=before)
    assert [x.text for x in after.keyframes[0].spec.prompts] == ["sky", "oil", "ink"]
