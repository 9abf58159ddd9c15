"""The example notebook (docs/examples/python-api.ipynb) runs green in a real Jupyter kernel, the
training progress display included: it trains on a text it writes itself, generates, inspects."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "python-api.ipynb"


def _outputs(nb, kind: str) -> list[str]:
    """Every output of `kind` (a MIME type, or 'stream') as text, in cell order."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind == "stream" and out.output_type == "stream":
                found.append(out.text)
            elif kind in out.get("data", {}):
                found.append(out["data"][kind])
    return found


def test_the_example_notebook_runs_in_a_jupyter_kernel(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")  # stored clean
    client = NotebookClient(
        nb, kernel_name="python3", timeout=240, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # a cell that raises fails here, with the cell and its traceback
    streams = "".join(_outputs(nb, "stream"))
    assert "training fast model" in streams and "done:" in streams  # the display's lines
    assert any("<progress" in html for html in _outputs(nb, "text/html"))  # its live line
    assert "--- temperature 0.2\nthe fox " in streams and "bits per character" in streams
    assert (tmp_path / "fables-model" / "state.json").is_file()
