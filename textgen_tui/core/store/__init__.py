"""The model folder: its format and manifest, the journal that commits it, reading weights with
and without Keras, the models home and the trash."""
