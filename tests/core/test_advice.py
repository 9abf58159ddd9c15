"""The Corpus pane's one line of tokenizer advice: Chinese and Japanese text only."""

from textgen_tui.core.text.advice import cjk_share, tokenizer_advice


def test_chinese_and_japanese_are_told_and_other_text_is_not():
    assert cjk_share("天气很好，我们去公园。") == 1.0
    assert cjk_share("きょうはいい天気ですね。") == 1.0
    assert cjk_share("plain English, with 12 numbers.") == 0.0
    assert cjk_share("") == 0.0
    assert tokenizer_advice("我们今天去公园散步。" * 10)
    assert tokenizer_advice("Привет, мир. " * 10) is None
    # An English text quoting a few Chinese words is English.
    assert tokenizer_advice("The word 公园 means park; " * 10) is None


def test_the_advice_is_the_measurements():
    """The figures the Corpus pane quotes are benchmarks/results/kinds.json's Chinese prose rows."""
    import json
    from pathlib import Path

    from textgen_tui.core.text.advice import CJK_ADVICE, CLEAN, MEASURED

    results = json.loads((Path(__file__).parents[2] / "benchmarks" / "results" / "kinds.json").read_text())
    prose = next(r for r in results if r["text"] == "chinese-prose")
    assert MEASURED == {k: round(prose[k]["bits_per_char"], 3) for k in MEASURED}
    assert f"(lower reads better): {prose['lowest_bits_per_char']} " in CJK_ADVICE
    clean = [k for k in MEASURED if prose[k]["punctuation_passes"] and prose[k]["loop_passes"]]
    assert clean == list(CLEAN)


def test_a_small_english_text_is_advised_to_start_from_the_english_base():
    from textgen_tui.core.text.advice import BASE_BELOW, base_advice, suggested_base

    english = "It was the best of times, it was the worst of times, and he said that it was not so. " * 50
    french = "Il était une fois une princesse qui vivait dans un château avec son père le roi. " * 50
    chinese = "我们今天去公园散步，天气很好，大家都很开心。" * 50
    assert suggested_base(english, ("english",)) == "english"
    assert "starting from the english base should help" in base_advice(english, ("english",))
    assert suggested_base(english, ()) is None  # no base shipped: nothing to advise
    assert suggested_base(french, ("english",)) is None
    assert suggested_base(chinese, ("english",)) is None
    big = english * (BASE_BELOW // len(english) + 1)
    assert suggested_base(big, ("english",)) is None and base_advice(big, ("english",)) is None
