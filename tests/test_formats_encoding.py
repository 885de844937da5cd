"""Legacy encodings of short files without ASCII: read right, or say the guess is unsure."""

from __future__ import annotations

import pytest

from dreamreel.core.formats import read_lyrics

from lyrics_helpers import load


@pytest.mark.parametrize("encoding, lyric", [
    ("gbk", "夜来香"), ("gbk", "甜蜜蜜你笑得甜蜜蜜"), ("gbk", "我爱你中国"), ("big5", "甜蜜蜜你笑得甜蜜蜜"),
    ("cp932", "さくら咲く"), ("euc_kr", "사랑해요"), ("cp1252", "Café crème"), ("cp1251", "Привет мир"),
])
def test_short_legacy_text_without_ascii_is_decoded_right(tmp_path, encoding, lyric):
    # The whole file is the lyric: no time tags, no ASCII for the detector to lean on (a label track
    # with only the text would need ASCII digits, so this is the lyric as an SRT cue body instead).
    data = b"1\n00:00:01,000 --> 00:00:02,000\n" + lyric.encode(encoding) + b"\n"
    assert load(tmp_path, data, "a.srt").blocks[0].text == lyric
    bare = lyric.encode(encoding)
    from dreamreel.core.formats.encoding import decode_text

    assert decode_text(bare) == lyric


def test_an_unsure_guess_is_reported_in_one_line_naming_the_encoding_and_the_option(tmp_path):
    data = "[00:01.00]月亮代表我的心\n".encode("euc_kr")  # Chinese text saved as EUC-KR: reads as Big5 too
    path = tmp_path / "a.lrc"
    path.write_bytes(data)
    lyrics = read_lyrics(path)
    assert lyrics.blocks[0].text == "月亮代表我的心"
    assert lyrics.warnings == [f"{path}: text encoding guessed as euc_kr with low confidence (it also reads as "
                               f"big5); if the lyrics look wrong, pass --encoding big5"]
    assert read_lyrics(path, encoding="euc_kr").warnings == []
