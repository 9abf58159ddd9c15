"""The subword tokenizer (core/text/subword.py): lossless for any text, learned from the training part
only, saved and loaded with a model folder; a tiny subword run trains, generates, resumes and is
evaluated in bits per character."""

import json

import numpy as np
import pytest
from core_helpers import tiny_config

from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.text.tokenizers import Tokenizer, fit_tokenizer

NASTY = [
    "😀👨‍👩‍👧 emoji and a flag 🇫🇷",
    "a\x00b\x00\x00",
    "中文字符，测试。日本語のテキスト、한국어",
    "\t\ttabs\t and\ttabs\t",
    "  \n\n  ",
    "e\u0301 n\u0303 \u0301 combining marks alone \u20dd",
    "",
    " ",
    "<0x41> <unk> ▁ Ġ literal markers",
    "\r\n\u2028\u2029\x0b\x0c",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010ffff \ufeff",
    "/etc/postfix//////////////////////////",
]


@pytest.fixture(scope="module")
def tok(text):
    return fit_tokenizer("subword", text, max_vocab=20000, min_count=3, held_out=0.1)


@pytest.mark.parametrize("s", NASTY)
def test_lossless_on_nasty_strings(tok, s):
    ids = tok.encode(s)
    assert tok.decode(ids) == s
    assert int(tok.char_counts[ids].sum()) == len(s)  # bits per character count these
    stream = tok.stream_decoder(1)
    pieces = [stream.feed([i])[0] for i in ids.tolist()] + list(stream.flush())
    assert "".join(pieces) == s
    assert all("\ufffd" not in p for p in pieces)  # never half a UTF-8 sequence
    assert tok.encode_seed(s).note == ""


def test_unseen_characters_are_bytes_and_the_corpus_is_merged(tok, text):
    ids = tok.encode("中")
    assert [tok.vocab[i] for i in ids.tolist()] == ["<0xE4>", "<0xB8>", "<0xAD>"]
    ids = tok.encode(text)
    assert tok.decode(ids) == text and len(ids) < len(text) / 2  # pieces longer than characters
    assert tok.kind == "subword" and tok.id_dtype == np.uint16


def test_learned_from_the_training_part_only(text):
    tail = " ΩΨΦ ΩΨΦ ΩΨΦ ΘΛΞ" * 60
    whole = text + tail
    tok = fit_tokenizer("subword", whole, held_out=len(tail) / len(whole))
    assert not any(set(t) & set("ΩΨΦΘΛΞ") for t in tok.vocab)
    assert tok.decode(tok.encode(whole)) == whole
    seen = fit_tokenizer("subword", whole)  # without a held-out part the tail's pieces are learned
    assert any("ΩΨΦ" in t for t in seen.vocab)


def test_lowercase_and_save_load(text, tmp_path):
    tok = fit_tokenizer("subword", text.upper(), lowercase=True)
    assert not any(c.isupper() for t in tok.vocab if not t.startswith("<0x") for c in t)
    assert tok.decode(tok.encode("The Quick", lowercase=True)) == "the quick"
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(tok.to_dict()))
    saved = json.loads(path.read_text())
    assert saved["kind"] == "subword" and saved["hf"]["model"]["type"] == "BPE"
    again = Tokenizer.from_dict(saved)
    for s in [text[:500], *NASTY]:
        assert again.encode(s).tolist() == tok.encode(s).tolist()


def test_sized_like_word_runs():
    from textgen_tui.core.train.sizing import SUBWORD_PARAMS_PER_TOKEN, params, size_for_words

    cfg = tiny_config()
    cfg.data.tokenizer = "subword"
    free = {"units", "embedding_dim", "seq_len", "sampled_softmax"}
    notes = size_for_words(cfg, 300_000, 3_000, free)
    assert any(n.startswith("units") for n in notes) and "subword tokens" in notes[0]
    # half the parameters per token a word network gets: subword pieces are seen more often, and
    # a subword network twice as big overfit the Handbook's Chinese
    m = cfg.model
    assert params(cfg, 3_000, m.units, m.embedding_dim) <= SUBWORD_PARAMS_PER_TOKEN * 300_000
    word = tiny_config()
    word.data.tokenizer = "word"
    size_for_words(word, 300_000, 3_000, free)
    assert word.model.units > m.units


def test_tiny_subword_run_trains_generates_resumes_evaluates(tmp_path, text):
    from textgen_tui.core import events as ev
    from textgen_tui.core.generate.load import load_generator
    from textgen_tui.core.inspect.evaluate import evaluate_text
    from textgen_tui.core.store.folder import read_info
    from textgen_tui.core.store.keras_store import load_bundle
    from textgen_tui.core.train.run_spec import RunSpec
    from textgen_tui.core.train.trainer import Trainer

    cfg = tiny_config()
    cfg.data.tokenizer = "subword"
    cfg.data.seq_len = 16
    out = tmp_path / "subword"
    seen = []
    Trainer(RunSpec.new(corpus_from_text(text, "tiny"), out, config=cfg), listeners=[seen.append]).run()
    info = read_info(out)
    assert info.tokenizer.kind == "subword"
    samples = [e for e in seen if isinstance(e, ev.SampleFinished)]
    assert samples and all(isinstance(t, str) and t for t in samples[0].texts)

    generator = load_generator(out)
    seed = "to be or not 中"  # an unseen character: bytes, no note
    pieces = list(generator.stream(seed, [0.5, 1.5], 40, rng_seed=3))
    ids = list(generator.stream_ids(generator.tokenizer.encode(seed), [0.5, 1.5], 40, rng_seed=3))
    for k, stream in enumerate(zip(*pieces)):
        # the streamed pieces are the decoded tokens (bytes held back until their character is
        # whole; the UTF-8 guard keeps an untrained model's byte tokens to whole characters)
        drawn = generator.tokenizer.whole_characters(np.array([step[k] for step in ids]))
        assert "".join(stream) == generator.tokenizer.decode(drawn)
        assert "\ufffd" not in "".join(stream)
        "".join(stream).encode("utf-8")  # valid text
    assert generator.tokenizer.encode_seed(seed).note == ""
    out_text = generator.generate(seed, [0.0], 20)[0]
    assert out_text == generator.generate(seed, [0.0], 20)[0]  # greedy: the same from the same seed
    controlled = generator.generate(seed, [0.5], 60, rng_seed=1, no_repeat_ngram=2, repetition_penalty=1.3)
    assert isinstance(controlled[0], str)
    # a subword model's generation has the repetition penalty on unless told otherwise
    default = generator.generate(seed, [1.0], 200, rng_seed=2)
    assert default == generator.generate(seed, [1.0], 200, rng_seed=2, repetition_penalty=1.2)

    Trainer(RunSpec.resumed(out, {"epochs": 1}, corpus_from_text(text, "tiny"))).run()
    assert read_info(out).state.epochs_done == 2

    result = evaluate_text(load_bundle(out), text[-800:])
    assert result.unknown == 0 and 0 < result.bits_per_char < 10
    assert result.characters < 800 and result.characters > result.tokens  # pieces span characters


def test_utf8_guard_keeps_random_draws_to_whole_characters(tok):
    from textgen_tui.core.generate.sampling import Sampler

    rng = np.random.default_rng(0)
    guard, sampler = tok.utf8_guard(4), Sampler([1.0, 1.0, 2.0, 5.0], rng_seed=0)
    steps = []
    byte_ids = np.array([tok.index[f"<0x{b:02X}>"] for b in range(256)])
    for _ in range(300):
        logits = rng.normal(size=(4, tok.vocab_size))
        logits[:, byte_ids] += 6.0  # mostly byte tokens: most would be stray without the guard
        ids = sampler.sample(guard.mask(logits))
        guard.observe(ids)
        steps.append(ids)
    for k in range(4):
        text = tok.decode(tok.whole_characters(np.array([step[k] for step in steps])))
        assert "\ufffd" not in text


def test_whole_characters_trims_a_cut_character(tok):
    ids = tok.encode("中文 abc 中")
    assert tok.vocab[ids[0]] == "<0xE4>"
    assert tok.decode(tok.whole_characters(ids[1:])) == "文 abc 中"
    assert tok.decode(tok.whole_characters(ids[1:-1])) == "文 abc "
    assert tok.decode(tok.whole_characters(ids)) == "中文 abc 中"


def test_benchmark_loop_check():
    from benchmarks.token_kinds import loops

    assert loops("/etc/postfix/////////") == ["//"]
    assert loops("的的的的的的的的") and loops("abcabcabcabc") == ["abc"]
    assert loops("def f():\n        return 1\n") == []  # indentation is not a loop
    assert loops("the cat sat on the mat, the cat") == []


def test_split_shows_characters_not_bytes(tok):
    assert tok.split("the 中 fox") == [p for p in tok.split("the 中 fox") if not p.startswith("<0x")]
    assert "".join(tok.split("the 中 fox")) == "the 中 fox" and "中" in tok.split("the 中 fox")
