import pytest

from textgen_tui.core.text.tokenizers import UNK, CharTokenizer, Tokenizer, fit_tokenizer

WESTERN = "Hello, world! The quick brown fox — naïve café.\n\tTabs  and  spaces...\n"
CHINESE = "我们在野生动物园玩。今天天气很好，我们去公园散步！他说：“你好吗？”\n"


@pytest.mark.parametrize("kind", ["char", "word", "clause"])
@pytest.mark.parametrize("text", [WESTERN, CHINESE, WESTERN + CHINESE])
def test_lossless(kind, text):
    tok = fit_tokenizer(kind, text, max_vocab=20000)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    again = Tokenizer.from_dict(tok.to_dict())
    assert again.decode(again.encode(text)) == text
    assert again.vocab == tok.vocab


def test_word_tokens_use_jieba_for_chinese():
    tok = fit_tokenizer("word", CHINESE)
    tokens = tok.split("今天天气很好")
    assert "".join(tokens) == "今天天气很好"
    assert any(len(t) > 1 for t in tokens)  # segmented into words, not characters


def test_word_tokens_keep_whitespace_and_punctuation():
    tok = fit_tokenizer("word", WESTERN)
    assert tok.split("Hello, world!") == ["Hello", ",", " ", "world", "!"]


def test_clause_tokens_break_before_punctuation():
    tok = fit_tokenizer("clause", CHINESE)
    assert tok.split("你好，世界。") == ["你好", "，世界", "。"]


def test_capped_vocab_falls_back_to_characters():
    text = " ".join(f"word{i}" for i in range(200)) + " word1 word1 word1"
    tok = fit_tokenizer("word", text, max_vocab=40)
    assert tok.vocab_size <= 40 or all(len(t) == 1 or t == UNK for t in tok.vocab[40:])
    assert tok.decode(tok.encode(text)) == text
    assert "word1" in tok.index


def test_unknown_seed_characters_are_reported_not_raised():
    char = fit_tokenizer("char", "abc ")
    enc = char.encode_seed("abz c€")
    assert char.decode(enc.ids) == "ab c"
    assert enc.unknown == ["z", "€"]
    assert "dropped" in enc.note
    word = fit_tokenizer("word", "the cat sat on the mat")
    enc = word.encode_seed("the dog")  # 'dog' is unknown, 'd' 'g' too; 'o' known
    assert "<unk>" in enc.note
    assert word.decode(enc.ids).startswith("the ")


def test_char_tokenizer_vectorised_encoding_matches_dict_lookup():
    text = WESTERN * 50
    tok = CharTokenizer.fit(text)
    assert tok.encode(text).tolist() == [tok.index[c] for c in text]


def test_a_run_of_one_punctuation_mark_is_a_few_word_tokens() -> None:
    """A ruled line (a text's tables) is a few tokens of 8 marks, not sixty dashes filling the
    model's context, and rules of different lengths share their tokens (so they are kept)."""
    line = "name  value\n" + "-" * 60 + "\nwait... what?! x-y\n"
    tok = fit_tokenizer("word", line * 3)
    pieces = tok.split(line)
    assert pieces.count("-" * 8) == 7 and "-" * 4 in pieces  # 60 = 7 × 8 + 4
    assert "..." in pieces and "?" in pieces and "!" in pieces  # two marks, two tokens
    assert tok.decode(tok.encode(line)) == line
    rules = "".join(f"{'=' * n}\nx\n" for n in range(30, 90, 7))  # each length once
    tok = fit_tokenizer("word", rules, min_count=3)
    assert "=" * 8 in tok.index and len(tok.split("=" * 80)) == 10
