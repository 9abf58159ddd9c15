"""The domain core never imports textual; its light modules don't even import TensorFlow."""

import subprocess
import sys

CORE = [
    "textgen_tui.core.text.corpus",
    "textgen_tui.core.text.tokenizers",
    "textgen_tui.core.config",
    "textgen_tui.core.generate.sampling",
    "textgen_tui.core.generate.generator",
    "textgen_tui.core.events",
    "textgen_tui.core.store.folder",
    "textgen_tui.core.text.catalog",
    "textgen_tui.core.store.paths",
    "textgen_tui.core.train.trainer",
    "textgen_tui.core.nets.batches",
    "textgen_tui.core.nets.keras_model",
    "textgen_tui.core.inspect.evaluate",
    "textgen_tui.core.train.session",
    "textgen_tui.core.generate.service",
    "textgen_tui.core.store.journal",
    "textgen_tui.core.store.trash",
    "textgen_tui.core.store.weights_file",
    "textgen_tui.core.train.plan",
    "textgen_tui.core.train.progress",
    "textgen_tui.core.train.run_spec",
    "textgen_tui.core.store.manifest",
    "textgen_tui.core.store.keras_store",
]


def _loaded(modules, names):
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += f"print(','.join(n for n in {names!r} if n in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_core_does_not_import_textual_or_tensorflow_at_import_time():
    assert _loaded(CORE, ["textual", "tensorflow", "keras"]) == ""


def test_the_folder_format_imports_no_keras_and_no_training_code():
    names = ["keras", "tensorflow", "textgen_tui.core.train.trainer", "textgen_tui.core.nets.sampled_softmax"]
    assert _loaded(["textgen_tui.core.store.folder"], [*names, "textgen_tui.core.store.keras_store"]) == ""


def test_training_a_model_does_not_load_textual(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from core_helpers import make_text, tiny_config
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.trainer import Trainer
Trainer(corpus_from_text(make_text(20)), tiny_config(), {str(tmp_path / "m")!r}).run()
assert 'tensorflow' in sys.modules
print('textual' in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
