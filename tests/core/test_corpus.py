import codecs

import pytest

from textgen_tui.core.corpus import decode_bytes, load_corpus
from textgen_tui.core.errors import CorpusError

TEXT = "Zarathustra ging allein das Gebirge abwärts — « naïve » café.\nSecond line.\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_unicode_encodings_round_trip(tmp_path, data, encoding):
    p = tmp_path / "t.txt"
    p.write_bytes(data)
    c = load_corpus(p)
    assert c.text == TEXT
    assert c.encoding == encoding
    assert c.replaced == 0


def test_gb18030_chinese(tmp_path):
    text = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n" * 3
    p = tmp_path / "zh.txt"
    p.write_bytes(text.encode("gb18030"))
    c = load_corpus(p)
    assert c.text == text
    assert c.encoding == "gb18030"


def test_latin1_fallback(tmp_path):
    text = "Ein naïver Café-Besuch für zwölf Gäste.\n" * 3
    p = tmp_path / "l1.txt"
    p.write_bytes(text.encode("latin-1"))
    c = load_corpus(p)
    assert c.text == text
    assert c.encoding == "latin-1"


def test_utf8_with_a_few_bad_bytes_is_replaced_and_counted(tmp_path):
    good = ("Übermensch and the eternal return: naïveté. " * 50).encode("utf-8")
    p = tmp_path / "bad.txt"
    p.write_bytes(good[:100] + b"\xff" + good[100:] + b"\xfe")
    c = load_corpus(p)
    assert c.encoding == "utf-8"
    assert c.replaced == 2
    assert c.text.count("\ufffd") == 2
    assert "Übermensch" in c.text


def test_line_endings_and_lowercase(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"One\r\nTwo\rThree\n")
    assert load_corpus(p).text == "One\nTwo\nThree\n"
    assert load_corpus(p, lowercase=True).text == "one\ntwo\nthree\n"


def test_folder_joins_sorted_txt_files(tmp_path):
    (tmp_path / "b.txt").write_text("second\n")
    (tmp_path / "a.txt").write_text("first\n")
    (tmp_path / "skip.md").write_text("not me")
    c = load_corpus(tmp_path)
    assert c.text == "first\n\nsecond\n"
    assert [f.split("/")[-1] for f in c.files] == ["a.txt", "b.txt"]


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(b"  \n\n "), "is empty"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), "binary"),
        (lambda p: p.write_bytes(bytes(range(1, 32)) * 100), "binary"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(tmp_path, setup, message):
    p = tmp_path / "x.txt"
    setup(p)
    with pytest.raises(CorpusError, match=message):
        load_corpus(p)


def test_folder_without_txt(tmp_path):
    (tmp_path / "a.md").write_text("hello")
    with pytest.raises(CorpusError, match="without .txt files"):
        load_corpus(tmp_path)


def test_stats():
    text, enc, rep = decode_bytes(b"abca\n")
    assert (text, enc, rep) == ("abca\n", "utf-8", 0)
    from textgen_tui.core.corpus import corpus_from_text

    s = corpus_from_text("aab b\n").stats()
    assert s.characters == 6 and s.distinct == 4 and s.most_common[0] == ("a", 2)
    assert "6 characters" in s.summary()
