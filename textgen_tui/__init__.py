"""textgen-tui: train character- and word-level LSTM text generators and play with them live."""

__version__ = "0.1.0"
