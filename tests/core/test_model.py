"""The network that build_model makes from a config: where its dropout goes."""

from __future__ import annotations

import pytest

from textgen_tui.core.config import Config, ConfigError, preset
from textgen_tui.core.nets.keras_model import build_model


def dropouts(model) -> tuple[float, float]:
    """(the recurrent layer's input dropout, the output Dropout layer's rate or 0)."""
    rnn = next(layer for layer in model.layers if layer.name.startswith(("gru_", "lstm_")))
    out = [layer for layer in model.layers if layer.name == "output_dropout"]
    return float(rnn.dropout), float(out[0].rate) if out else 0.0


def tiny(**model) -> Config:
    cfg = preset("fast")
    cfg.model.units, cfg.model.embedding_dim = 8, 4
    for name, value in model.items():
        setattr(cfg.model, name, value)
    return cfg.validate()


def test_input_dropout_follows_dropout_unless_given() -> None:
    assert dropouts(build_model(tiny(dropout=0.2, input_dropout=None), 10)) == (0.2, 0.2)
    assert dropouts(build_model(tiny(dropout=0.2, input_dropout=0.0), 10)) == (0.0, 0.2)
    assert dropouts(build_model(tiny(dropout=0.0, input_dropout=0.1), 10)) == (0.1, 0.0)


def test_a_folder_saved_before_input_dropout_keeps_its_network() -> None:
    saved = tiny(dropout=0.25).to_dict()
    del saved["model"]["input_dropout"]  # what a config.json written before the field holds
    cfg = Config.from_dict(saved).validate()
    assert cfg.model.input_dropout is None
    assert dropouts(build_model(cfg, 10)) == (0.25, 0.25)


def test_input_dropout_out_of_range_is_named() -> None:
    cfg = preset("fast")
    cfg.model.input_dropout = 1.5
    with pytest.raises(ConfigError, match="input_dropout"):
        cfg.validate()


def test_weight_decay_shrinks_the_weights_and_not_the_biases() -> None:
    import numpy as np

    from textgen_tui.core.nets.keras_model import compile_model

    cfg = tiny()
    cfg.train.weight_decay, cfg.train.learning_rate = 0.5, 0.1
    model = build_model(cfg, 10)
    compile_model(model, cfg)
    opt = model.optimizer
    opt.build(model.trainable_variables)
    dense = model.layers[-1]
    dense.bias.assign(np.ones(dense.bias.shape, "float32"))
    before = {v.path: np.array(v.value) for v in (dense.kernel, dense.bias)}
    # zero gradients: Adam moves nothing, so all the change is the decay, by lr × weight_decay
    opt.apply_gradients([(np.zeros(v.shape, "float32"), v) for v in model.trainable_variables])
    np.testing.assert_allclose(np.array(dense.kernel.value), before[dense.kernel.path] * 0.95, rtol=1e-5)
    np.testing.assert_array_equal(np.array(dense.bias.value), before[dense.bias.path])


def test_weight_decay_out_of_range_is_named() -> None:
    cfg = preset("fast")
    cfg.train.weight_decay = -0.1
    with pytest.raises(ConfigError, match="weight_decay"):
        cfg.validate()


def test_adams_second_moment_decay_is_the_configs() -> None:
    cfg = tiny()
    cfg.train.adam_beta_2 = 0.99
    model = build_model(cfg, 10)
    assert float(model.optimizer.beta_2) == pytest.approx(0.99)
    cfg.train.adam_beta_2 = 1.0
    with pytest.raises(ConfigError, match="adam_beta_2"):
        cfg.validate()
