"""The domain core never imports textual; its light modules don't even import TensorFlow."""

import subprocess
import sys

CORE = [
    "textgen_tui.core.corpus",
    "textgen_tui.core.tokenizers",
    "textgen_tui.core.config",
    "textgen_tui.core.sampling",
    "textgen_tui.core.generation",
    "textgen_tui.core.events",
    "textgen_tui.core.bundle",
    "textgen_tui.core.catalog",
    "textgen_tui.core.paths",
    "textgen_tui.core.training",
    "textgen_tui.core.data",
    "textgen_tui.core.model",
    "textgen_tui.core.evaluate",
    "textgen_tui.core.session",
    "textgen_tui.core.generation_service",
    "textgen_tui.core.folder_txn",
    "textgen_tui.core.library",
    "textgen_tui.core.weights_file",
    "textgen_tui.core.plan",
    "textgen_tui.core.progress",
    "textgen_tui.core.run_spec",
    "textgen_tui.core.run_state",
    "textgen_tui.core.keras_store",
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
    names = ["keras", "tensorflow", "textgen_tui.core.training", "textgen_tui.core.sampled_softmax"]
    assert _loaded(["textgen_tui.core.bundle"], [*names, "textgen_tui.core.keras_store"]) == ""


def test_training_a_model_does_not_load_textual(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from core_helpers import make_text, tiny_config
from textgen_tui.core.corpus import corpus_from_text
from textgen_tui.core.training import Trainer
Trainer(corpus_from_text(make_text(20)), tiny_config(), {str(tmp_path / "m")!r}).run()
assert 'tensorflow' in sys.modules
print('textual' in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
