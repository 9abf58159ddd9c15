import codecs

import pytest

from textgen_tui.core.errors import CorpusError
from textgen_tui.core.text.corpus import decode_bytes, load_corpus

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
    from textgen_tui.core.text.corpus import corpus_from_text

    s = corpus_from_text("aab b\n").stats()
    assert s.characters == 6 and s.distinct == 4 and s.most_common[0] == ("a", 2)
    assert "6 characters" in s.summary()


# --- Encoding detection (issue 8, bug 13): legacy single-byte and CJK files ------------------------
# Every text below was written for these tests. Medium texts repeat varied sentences to a few KB.

DE_SHORT = "„Grüße“, sagte er – “für dich”.\n"
DE_MEDIUM = (
    "„Grüße aus München“, schrieb die Köchin auf die Karte.\n"
    "Er sagte: “Die Straßenbahn fährt über die Brücke, nicht unter ihr.”\n"
    "Zwölf Gäste aßen süße Äpfel – und niemand hat’s bemerkt.\n"
    "Übermorgen öffnet der Bäcker früh; die Brötchen sind heiß.\n"
    "Draußen schneit es, drinnen wärmt der Ofen die Füße…\n"
) * 15
FR_SHORT = "Où est la bibliothèque ? Déjà vu.\n"
FR_MEDIUM = (
    "Où est la bibliothèque ? Déjà vu, garçon, naïve idée.\n"
    "L'été dernier, nous avons mangé des crêpes près du château.\n"
    "« Non », dit le boulanger âgé, « je ferme à midi. »\n"
    "Ça ne fait rien ; la forêt est très belle en hiver, même sous la pluie.\n"
    "Noël approche, et l'aîné prépare une bûche au chocolat.\n"
) * 15
ZH_SHORT = "我们明天早上去公园散步，好吗？\n"
ZH_MEDIUM = (
    "今天天气很好，我们去公园散步吧。\n"
    "小猫在窗台上睡觉，阳光照在它的身上。\n"
    "学校旁边有一家面包店，每天早上都很热闹。\n"
    "他喜欢在晚饭以后读一会儿书，然后早点休息。\n"
    "这条河从山里流出来，一直流到大海。\n"
) * 20
RU_MEDIUM = (
    "Привет, как дела? Всё хорошо, спасибо.\n"
    "Мы идём в парк, потому что погода отличная.\n"
    "Вечером бабушка печёт пироги с яблоками.\n"
) * 20


@pytest.mark.parametrize(
    "text, codec, encoding",
    [
        ("Grüße für zwölf Gäste in München\n", "cp1252", "latin-1"),  # the report: no byte 0x80-0x9F
        (DE_SHORT, "cp1252", "cp1252"),
        (DE_MEDIUM, "cp1252", "cp1252"),
        (FR_SHORT, "latin-1", "latin-1"),
        ("Ça va très bien, merci, à demain !\n", "latin-1", "latin-1"),  # Big5 to charset-normalizer
        ("Informação e decisões, São Paulo.\n", "latin-1", "latin-1"),  # cp1250 to charset-normalizer
        (FR_MEDIUM, "latin-1", "latin-1"),
        (ZH_SHORT, "gbk", "gb18030"),
        (ZH_MEDIUM, "gbk", "gb18030"),
        (RU_MEDIUM, "cp1251", "cp1251"),
    ],
    ids=[
        "de-report",
        "de-cp1252-short",
        "de-cp1252-medium",
        "fr-latin1-short",
        "fr-latin1-line",
        "pt-latin1-line",
        "fr-latin1-medium",
        "zh-gbk-short",
        "zh-gbk-medium",
        "ru-cp1251-medium",
    ],
)
def test_legacy_encodings_are_detected(tmp_path, text, codec, encoding):
    p = tmp_path / "legacy.txt"
    p.write_bytes(text.encode(codec))
    c = load_corpus(p)
    assert c.text == text
    assert c.encoding == encoding
    assert c.replaced == 0


def test_cp1252_curly_quotes_are_not_control_characters(tmp_path):
    p = tmp_path / "quotes.txt"
    p.write_bytes(DE_SHORT.encode("cp1252"))
    text = load_corpus(p).text
    assert "„" in text and "“" in text and "”" in text
    assert not any(0x80 <= ord(ch) < 0xA0 for ch in text)


def test_cp1252_crlf_is_normalised(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(DE_MEDIUM.replace("\n", "\r\n").encode("cp1252"))
    c = load_corpus(p)
    assert c.text == DE_MEDIUM
    assert c.encoding == "cp1252"


@pytest.mark.parametrize(
    "bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_utf16_with_bom(tmp_path, bom, codec):
    text = ZH_SHORT + DE_SHORT + "Emoji outside the BMP: 🎉.\n"
    p = tmp_path / "u16.txt"
    p.write_bytes(bom + text.replace("\n", "\r\n").encode(codec))
    c = load_corpus(p)
    assert c.text == text
    assert c.encoding == "utf-16"
    assert c.replaced == 0


def test_utf8_bad_bytes_are_counted_per_byte(tmp_path):
    good = DE_MEDIUM.encode("utf-8")
    # A stray cp1252 quote, a UTF-8 sequence cut short (two bytes of three) and a lone continuation byte.
    data = good[:200] + b"\x93" + good[200:900] + b"\xe2\x80" + good[900:1500] + b"\xbf" + good[1500:]
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    c = load_corpus(p)
    expected = (
        good[:200].decode()
        + "\ufffd"
        + good[200:900].decode()
        + "\ufffd" * 2
        + good[900:1500].decode()
        + "\ufffd"
        + good[1500:].decode()
    )
    assert c.encoding == "utf-8"
    assert c.replaced == 4
    assert c.text == expected


def test_decode_bytes_names_python_codecs():
    assert decode_bytes(DE_SHORT.encode("cp1252")) == (DE_SHORT, "cp1252", 0)
    assert decode_bytes(ZH_SHORT.encode("gb18030")) == (ZH_SHORT, "gb18030", 0)
    assert decode_bytes(codecs.BOM_UTF8 + b"abc\n") == ("abc\n", "utf-8-sig", 0)


def test_undefined_cp1252_bytes_are_replaced_and_counted():
    # 0x81 and 0x9D have no character in cp1252.
    data = DE_MEDIUM.encode("cp1252")
    data = data[:300] + b"\x81" + data[300:2000] + b"\x9d" + data[2000:]
    text, encoding, replaced = decode_bytes(data)
    assert encoding == "cp1252"
    assert replaced == 2
    assert text.replace("\ufffd", "") == DE_MEDIUM


def test_strict_utf8_skips_detection(tmp_path, monkeypatch):
    import charset_normalizer

    def refuse(*args, **kwargs):
        raise AssertionError("charset-normalizer must not run on valid UTF-8")

    monkeypatch.setattr(charset_normalizer, "from_bytes", refuse)
    p = tmp_path / "u8.txt"
    p.write_bytes((ZH_MEDIUM + DE_MEDIUM).encode("utf-8"))
    assert load_corpus(p).encoding == "utf-8"


def test_big_files_are_detected_on_a_bounded_sample(monkeypatch):
    import charset_normalizer

    from textgen_tui.core.text import corpus

    seen = []
    real = charset_normalizer.from_bytes

    def spy(data, *args, **kwargs):
        seen.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    monkeypatch.setattr(corpus, "_SAMPLE_BYTES", 8_192)
    # A long ASCII preamble, so the first non-ASCII byte lies far beyond the head of the file.
    text = "Plain ASCII preamble line number so-and-so.\n" * 3_000 + FR_MEDIUM + DE_MEDIUM
    decoded, encoding, replaced = decode_bytes(text.encode("cp1252"))
    assert (decoded, encoding, replaced) == (text, "cp1252", 0)
    assert seen and max(seen) <= 8_192


def test_random_high_bytes_are_refused_as_binary(tmp_path):
    import random

    rng = random.Random(8)
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(4_000)))
    with pytest.raises(CorpusError, match="binary"):
        load_corpus(p)
