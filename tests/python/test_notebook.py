"""The example notebook runs top to bottom (nbclient) against the installed wheel."""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def test_the_example_notebook_runs(tmp_path):
    examples = Path(os.environ.get("SCANLAKE_EXAMPLES", Path(__file__).parents[2] / "examples"))
    nb = nbformat.read(examples / "scanlake-tour.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook draws plots"
