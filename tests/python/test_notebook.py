"""The example notebook runs top to bottom (nbclient) against the installed wheel, drawing with
scanlake's own charts."""

import html as _html
import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def test_the_example_notebook_runs(tmp_path):
    examples = Path(os.environ.get("SCANLAKE_EXAMPLES", Path(__file__).parents[2] / "examples"))
    nb = nbformat.read(examples / "scanlake-tour.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    charts = [o["data"]["text/html"] for o in outputs if "<iframe" in o.get("data", {}).get("text/html", "")]
    assert len(charts) >= 4, "the notebook draws scanlake's charts"
    for html in charts:
        # Everything the chart needs is in the output: ECharts, the data, no address to fetch from.
        page = _html.unescape(html)
        assert "srcdoc=" in html and "echarts" in page and "Content-Security-Policy" in page
        assert not re.search(r"""(src|href)=["']https?:""", page)
    assert not any("matplotlib" in "".join(c.source) for c in nb.cells), "no notebook plotting library is needed"
    assert (tmp_path / "report.html").stat().st_size > 100_000 and (tmp_path / "users.png").exists()
