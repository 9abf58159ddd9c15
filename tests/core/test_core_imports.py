"""The domain core never imports textual, and no module of it imports TensorFlow, Keras or JAX
when it is imported (they load lazily, when a run or a model needs them)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "textgen_tui" / "core").rglob("*.py")
)
"""Every module of the core, found by walking it."""


def _loaded(modules, names):
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += f"print(','.join(n for n in {names!r} if n in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_core_does_not_import_textual_or_tensorflow_at_import_time():
    assert len(CORE) > 40
    assert _loaded(CORE, ["textual", "tensorflow", "keras", "jax"]) == ""


def test_the_package_and_its_python_api_load_neither_textual_nor_keras():
    """`import textgen_tui` is nearly free (the API loads on first use), and the API itself loads
    the core's light modules only: no textual, no Keras until a run or a Keras model needs it."""
    heavy = ["textual", "tensorflow", "keras", "jax", "rich"]
    assert _loaded(["textgen_tui"], [*heavy, "numpy", "textgen_tui.api"]) == ""
    code = "import textgen_tui as tg\ntg.load, tg.train, tg.Model, tg.TextgenError\nimport sys\n"
    code += f"print(','.join(n for n in {heavy!r} if n in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_the_folder_format_imports_no_keras_and_no_training_code():
    names = ["keras", "tensorflow", "textgen_tui.core.train.trainer", "textgen_tui.core.nets.sampled_softmax"]
    assert _loaded(["textgen_tui.core.store.folder"], [*names, "textgen_tui.core.store.keras_store"]) == ""


def test_training_a_model_does_not_load_textual(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from core_helpers import make_text, tiny_config
from textgen_tui.core.text.corpus import corpus_from_text
from textgen_tui.core.train.run_spec import RunSpec
from textgen_tui.core.train.trainer import Trainer
Trainer(RunSpec.new(corpus_from_text(make_text(20)), {str(tmp_path / "m")!r}, config=tiny_config())).run()
assert 'tensorflow' in sys.modules
print('textual' in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
