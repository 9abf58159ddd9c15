"""Reading a text with a model: every token's surprise, the units that track features of the
text, and the held-out loss."""
