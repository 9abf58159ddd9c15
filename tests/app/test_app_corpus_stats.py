"""Issue 32, bug 4: the Corpus pane's counts of a Chinese text contradicted each other ("27 words ·
27 lines", a whitespace count, beside "290 distinct words"; "a run's vocabulary: 550 tokens", more
than the distinct words, with nothing saying why)."""

from __future__ import annotations

import re
from pathlib import Path

from app_helpers import type_into, wait_for
from textual.widgets import Static

from textgen_tui.app.app import create_app

CHINESE = (
    "春天来了，山上的花都开了。我们在河边走了很久，谈起小时候的事情。老师说读书要有耐心，不能只看热闹。"
    "城市的夜晚很安静，只有远处的火车还在响。他每天早上六点起床，先喝一杯茶，然后去公园跑步。\n"
    "这本书讲的是一个渔夫和大海的故事。朋友们常常问我，为什么喜欢一个人旅行。雨下了一整夜，第二天的空气特别清新。"
    "妈妈在厨房里做饭，香味飘满了整个屋子。学习一门新的语言并不容易，但是很有意思。\n"
) * 12


def _number(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return int(match.group(1).replace(",", ""))


async def test_a_chinese_corpus_reads_consistently(workdir: Path) -> None:
    (workdir / "zh.txt").write_text(CHINESE, encoding="utf-8")
    lines = CHINESE.count("\n")
    app = create_app(models_dir="models", preload_tensorflow=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.click("#tokenizer")
        await pilot.press("down", "enter")  # word
        await wait_for(pilot, lambda: app.corpus_options[0] == "word", timeout=10, what="word")
        await type_into(pilot, "#corpus-path", "zh.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.corpus is not None, timeout=30, what="the corpus")
        stats = app.query_one("#corpus-stats", Static)
        await wait_for(pilot, lambda: "vocabulary" in str(stats.render()), timeout=30, what="the counts")
        text = " ".join(str(stats.render()).split())
        words = _number(r"· ([\d,]+) words ·", text)
        assert words > 20 * lines, text  # jieba's words, not the lines whitespace separates
        distinct = _number(r", ([\d,]+) distinct", text)
        assert distinct <= words, text
        vocabulary = _number(r"a run's vocabulary: ([\d,]+) = ", text)
        kept = _number(r"= ([\d,]+) words seen", text)
        chars = _number(r"\+ ([\d,]+) characters that spell the rest", text)
        assert kept <= distinct and vocabulary == kept + chars + 1, text  # + <unk>

        await pilot.click("#tokenizer")
        await pilot.press("down", "enter")  # clause (after word): no word count at all for Chinese
        await wait_for(pilot, lambda: "clauses," in str(stats.render()), timeout=30, what="the clauses")
        text = " ".join(str(stats.render()).split())
        assert " words ·" not in text and f"· {lines} lines" in text, text
