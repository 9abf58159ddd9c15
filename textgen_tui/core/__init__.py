"""The domain core: corpus, tokenizers, data, model, training, bundles, sampling, generation.

Nothing in this package imports textual. TensorFlow is imported lazily, only by the modules
that need it (data, model, training, bundle loading), so the app can paint before it loads.
"""
