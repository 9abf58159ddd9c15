"""Text: reading a corpus (files, folders, encodings, named corpora), its statistics, and the
tokenizers (char, word, subword) that turn it into ids and back."""
