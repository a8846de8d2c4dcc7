"""The HTML report, per-user pages and charts, driven in a real browser (Debian's Chromium
through chromedriver and Selenium): no console errors, no network, a mark per table row,
tooltips with exact figures, sorting, filtering, drill-down — and the numbers the CLI exports."""

import csv
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

import scanlake

CHROMEDRIVER = os.environ.get("SCANLAKE_CHROMEDRIVER") or shutil.which("chromedriver")
# Where to save a screenshot of each section, for a person to look at.
SCREENSHOTS = os.environ.get("SCANLAKE_SCREENSHOTS")


def require_browser():
    assert CHROMEDRIVER, "scripts/test.sh installs chromium and chromium-driver (scripts/chromium.sh)"


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver: Selenium Manager (which would go to the network) is not run.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def load(browser, path: Path):
    browser.get(path.as_uri())
    browser.get_log("performance")  # what the load did is read by the callers below, afresh
    browser.get(path.as_uri())
    ready = browser.execute_script("return !!window.scanlakeReport")
    assert ready, "the page's script ran"
    return browser


def console_errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def requests(browser):
    out = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            out.append(message["params"]["request"]["url"])
    return out


def csv_rows(cli, *args):
    out = cli(*args, "--format", "csv").stdout
    return list(csv.DictReader(io.StringIO(out)))


def table_of(browser, chart_id):
    return browser.execute_script(
        "return scanlakeReport.data.charts.concat(scanlakeReport.data.tables).find(c => c.id === arguments[0]).table",
        chart_id,
    )


def as_dicts(table):
    names = [c["name"] for c in table["columns"]]
    return [dict(zip(names, row)) for row in table["rows"]]


MARKS = """
const c = scanlakeReport.charts[arguments[0]];
let items = 0, drawn = 0;
c.getModel().eachSeries(s => {
  const d = s.getData();
  for (let i = 0; i < d.count(); i++) {
    const v = d.get(d.mapDimension(s.subType === 'heatmap' ? 'value' : (s.subType === 'bar' && s.getBaseAxis().dim === 'y' ? 'x' : 'y')) || 'value', i);
    if (d.getItemGraphicEl(i)) drawn++;
    if (v !== null && v !== undefined && !Number.isNaN(v) && v !== '-') items++;
  }
});
return [items, drawn];
"""


@pytest.fixture(scope="module")
def rules_config(tmp_path_factory):
    d = tmp_path_factory.mktemp("config")
    path = d / "config.toml"
    path.write_text('[rules.stale]\nolder = ["access=365d"]\nkind = "file"\n')
    return path


@pytest.fixture(scope="module")
def written(lake, tmp_path_factory, rules_config):
    d = tmp_path_factory.mktemp("report")
    old = os.environ.get("SCANLAKE_CONFIG")
    os.environ["SCANLAKE_CONFIG"] = str(rules_config)
    try:
        summary = lake.report(d / "report.html", rule=["stale"], per_user=d / "users", with_data=True, progress=False)
    finally:
        if old is None:
            del os.environ["SCANLAKE_CONFIG"]
        else:
            os.environ["SCANLAKE_CONFIG"] = old
    return d, summary


def test_the_report_loads_offline_without_errors_and_draws_a_mark_per_row(browser, written):
    d, summary = written
    page = d / "report.html"
    assert summary["acq"] == "2026-11-08" and summary["compare"] == "2026-11-01"
    assert page.stat().st_size < 3_000_000
    html = page.read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']https?:""", html), "nothing refers to the network"
    load(browser, page)
    assert console_errors(browser) == []
    assert set(requests(browser)) == {page.as_uri()}, "the page fetched nothing but itself"
    charts = browser.execute_script("return scanlakeReport.data.charts.map(c => [c.id, c.kind, c.table.rows.length])")
    assert {c[0] for c in charts} >= {
        "usage-user", "usage-group", "usage-fileset", "age-bars", "age-size", "size-histogram", "dirs-treemap",
        "churn-user", "history-fileset", "history-user", "growth-user", "extensions-chart", "purge-stale-chart",
    }
    for chart_id, kind, rows in charts:
        if kind == "treemap":
            # A node per row (beside the series' own root); the levels below the first two show on drill-down.
            nodes = browser.execute_script(
                "return scanlakeReport.charts[arguments[0]].getModel().getSeriesByIndex(0).getData().count()", chart_id
            )
            assert nodes - 1 == rows, chart_id
            continue
        items, drawn = browser.execute_script(MARKS, chart_id)
        assert items == rows == drawn, (chart_id, items, drawn, rows)
        assert rows > 0, chart_id
    if SCREENSHOTS:
        out = Path(SCREENSHOTS)
        out.mkdir(parents=True, exist_ok=True)
        browser.set_window_size(1280, 1000)
        for section in browser.find_elements("css selector", "section"):
            browser.execute_script("arguments[0].scrollIntoView()", section)
            section.screenshot(str(out / f"report-{section.get_attribute('id')}.png"))


def test_tooltips_show_the_exact_figure_of_their_table_row(browser, written):
    d, _ = written
    load(browser, d / "report.html")
    table = as_dicts(table_of(browser, "usage-user"))
    for row in table[:5]:
        text = browser.execute_script(
            """
            const [id, category, series] = arguments;
            const c = scanlakeReport.charts[id];
            const o = c.getOption();
            const si = o.series.findIndex(s => s.name === series);
            const di = o.yAxis[0].data.indexOf(category);
            c.dispatchAction({type: 'showTip', seriesIndex: si, dataIndex: di});
            const tip = [...document.querySelectorAll('#' + id + ' .plot div')].find(e => e.style.zIndex > 1000 && e.textContent);
            return tip ? tip.textContent : '';
            """,
            "usage-user", str(row["uid"]), row["age"],
        )
        assert f"{int(row['bytes']):,} B" in text, (row, text)


def test_sorting_and_filtering_a_table(browser, written):
    d, _ = written
    load(browser, d / "report.html")
    box = browser.find_element("css selector", "#usage-user-totals")
    header = [h for h in box.find_elements("css selector", "th") if h.text.startswith("bytes")][0]
    column = [h.text for h in box.find_elements("css selector", "th")].index(header.text)

    def shown():
        return [
            [td.get_attribute("textContent") for td in tr.find_elements("css selector", "td")]
            for tr in box.find_elements("css selector", "tbody tr")
            if tr.is_displayed()
        ]

    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [int(r[column].replace(",", "")) for r in shown()]
    assert values == sorted(values) and len(values) > 10
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    values = [int(r[column].replace(",", "")) for r in shown()]
    assert values == sorted(values, reverse=True)
    uid = shown()[0][0]
    box.find_element("css selector", "input.filter").send_keys(uid)
    time.sleep(0.4)  # the filter waits for typing to pause
    rows = shown()
    assert rows and all(uid in " ".join(r) for r in rows)
    assert box.find_element("css selector", ".count").text.startswith(f"{len(rows)} of ")


def test_drilling_into_the_treemap_changes_the_breadcrumb(browser, written):
    d, _ = written
    load(browser, d / "report.html")
    crumb = browser.find_element("css selector", "#dirs-treemap .breadcrumb")
    root = crumb.text
    target = browser.execute_script(
        """
        const c = scanlakeReport.charts['dirs-treemap'];
        const data = c.getModel().getSeriesByIndex(0).getData();
        // The largest child of the root: drawn, with its layout in the chart's pixels.
        for (let i = 0; i < data.count(); i++) {
          const node = data.tree.getNodeByDataIndex(i);
          if (node.depth === 2 && data.getItemGraphicEl(i)) {
            const l = node.getLayout();
            return {path: data.getRawDataItem(i).path, x: l.x + l.width / 2, y: l.y + l.height / 2};
          }
        }
        return null;
        """
    )
    assert target, "the treemap draws the root's children"
    from selenium.webdriver.common.action_chains import ActionChains

    plot = browser.find_element("css selector", "#dirs-treemap .plot")
    browser.execute_script("arguments[0].scrollIntoView()", plot)
    offset_x = target["x"] - plot.size["width"] / 2 + 8
    offset_y = target["y"] - plot.size["height"] / 2 + 40
    ActionChains(browser).move_to_element_with_offset(plot, int(offset_x), int(offset_y)).click().perform()
    assert crumb.text != root
    assert crumb.text.startswith(root), (root, crumb.text)


def test_the_numbers_shown_are_the_cli_exports(browser, written, cli, lake):
    d, summary = written
    load(browser, d / "report.html")
    acq = summary["acq"]
    usage = {r["uid"]: r for r in csv_rows(cli, "aggregate", lake.path, "usage", "--by", "uid", "--acq", acq)}
    shown = as_dicts(table_of(browser, "usage-user-totals"))
    assert len(shown) == len(usage)
    for row in shown:
        cli_row = usage[str(row["uid"])]
        assert int(row["bytes"]) == int(cli_row["bytes"]) and int(row["objects"]) == int(cli_row["objects"])
    churn = {r["uid"]: r for r in csv_rows(cli, "aggregate", lake.path, "churn", "--by", "uid")}
    for row in as_dicts(table_of(browser, "churn-table")):
        assert int(row["created_bytes"]) == int(churn[str(row["uid"])]["created_bytes"])
    # The headline: the scan's totals and the change since the compared scan.
    fileset = csv_rows(cli, "aggregate", lake.path, "usage", "--by", "fileset")
    now = sum(int(r["bytes"]) for r in fileset if r["acq"] == acq)
    before = sum(int(r["bytes"]) for r in fileset if r["acq"] == summary["compare"])
    figure = browser.execute_script(
        "return [...document.querySelectorAll('.figure')].find(f => f.querySelector('.label').textContent === 'Bytes').textContent"
    )
    assert f"{now:,} B" in figure and f"{now - before:+,} B" in figure, figure
    # --with-data wrote the full tables beside the report.
    assert (d / "report.data" / "churn_uid.csv").exists()


def test_a_per_user_page_shows_only_that_users_data(browser, written, cli, lake):
    d, summary = written
    users = d / "users"
    load(browser, users / "index.html")
    assert console_errors(browser) == []
    owners = as_dicts(table_of(browser, "owners-table"))
    assert len(owners) > 5
    owner = max(owners, key=lambda r: int(r["bytes"]))
    page = users / owner["page"]
    assert page.stat().st_size < 200_000, "a per-user page stays small (the script is shared)"
    load(browser, page)
    assert console_errors(browser) == []
    assert set(requests(browser)) == {page.as_uri(), (users / "scanlake-report.js").as_uri()}
    uid = str(owner["uid"])
    usage = csv_rows(cli, "aggregate", lake.path, "usage", "--by", "fileset", "--uid", uid, "--acq", summary["acq"])
    mine = {r["fileset"]: int(r["bytes"]) for r in usage}
    shown = {}
    for row in as_dicts(table_of(browser, "fileset-age")):
        shown[row["fileset"]] = shown.get(row["fileset"], 0) + int(row["bytes"])
    assert shown == mine
    dirs = csv_rows(cli, "aggregate", lake.path, "usage", "--by", "uid,dir5", "--uid", uid, "--acq", summary["acq"])
    shown_dirs = {r["dir5"] for r in as_dicts(table_of(browser, "dirs"))} - {"(other)"}
    assert shown_dirs and shown_dirs <= {r["dir5"] for r in dirs}
    # The purge list beside the page: its files are the rule's for this user.
    link = browser.find_element("css selector", "#purge-stale-list a").get_attribute("href")
    listed = Path(link.replace("file://", "")).read_bytes().count(b"\n")
    figure = browser.find_element("css selector", "#purge-stale .figure").text
    assert f"{listed:,}" in figure


def test_a_run_page_draws_every_attempt_and_the_dataset_report_lists_recent_runs(browser, tmp_path, cli):
    scan = tmp_path / "fs1.2026-11-01.list"
    scanlake.generate(scan, records=4000, seed=4, directories=True)
    # A local run of every stage: split, convert, publish, aggregate, merge.
    run = scanlake.run([scan], tmp_path / "lake", chunks=3, tasks=2, run_dir=tmp_path / "run", progress=False)
    assert run.status()["status"] == "succeeded"
    page = tmp_path / "run.html"
    said = run.report(page)
    stats = run.stats()
    assert said["attempts"] == sum(stats.column("attempts").to_pylist())
    html = page.read_text()
    assert "default-src 'none'" in html and not re.search(r"""(src|href)=["']https?:""", html)
    load(browser, page)
    assert console_errors(browser) == []
    assert set(requests(browser)) == {page.as_uri()}, "the page fetched nothing but itself"
    charts = browser.execute_script("return scanlakeReport.data.charts.map(c => [c.id, c.kind, c.table.rows.length])")
    assert {c[0] for c in charts} == {"timeline-chart", "efficiency-chart", "memory-chart"}
    for chart_id, kind, rows in charts:
        items, drawn = browser.execute_script(MARKS, chart_id)
        assert items == rows == drawn, (chart_id, items, drawn, rows)
    assert dict((c[0], c[1]) for c in charts)["timeline-chart"] == "gantt"
    timeline = as_dicts(table_of(browser, "timeline-chart"))
    assert len(timeline) == said["attempts"]
    assert {r["task"] for r in timeline} == {f"{s} {t}" for s, n in zip(stats.column("stage").to_pylist(), stats.column("tasks").to_pylist()) for t in range(1, n + 1)}
    assert all(float(r["end_s"]) >= float(r["start_s"]) >= 0 for r in timeline)
    # The stage table is `stats`'s, figure for figure.
    shown = as_dicts(table_of(browser, "stages-table"))
    assert [r["stage"] for r in shown] == stats.column("stage").to_pylist()
    assert [int(r["attempts"]) for r in shown] == stats.column("attempts").to_pylist()
    efficiency = as_dicts(table_of(browser, "efficiency-chart"))
    for row, expected in zip(efficiency, stats.column("cpu_efficiency").to_pylist()):
        # The stage table keeps three places (0.571), the chart two of the percentage (57.14).
        assert abs(float(row["cpu_efficiency_pct"]) - expected * 100) <= 0.051, (row, expected)
    # The dataset's report shows the run among its recent runs, as `scanlake runs` lists it.
    lake = scanlake.Dataset(tmp_path / "lake")
    lake.report(tmp_path / "report.html", progress=False)
    load(browser, tmp_path / "report.html")
    assert console_errors(browser) == []
    recent = as_dicts(table_of(browser, "runs-table"))
    listed = csv_rows(cli, "runs", tmp_path / "lake")
    assert [r["run"] for r in recent] == [r["run"] for r in listed] == lake.runs().column("run").to_pylist()
    assert [r["status"] for r in recent] == ["succeeded"]


def test_plot_shows_inline_and_saves_svg_and_png(lake, tmp_path):
    chart = lake.plot("usage", by="uid", top=5)
    assert chart.kind == "bar" and "(other)" in chart.table.column("uid").to_pylist()
    html = chart._repr_html_()
    assert html.startswith("<iframe") and "srcdoc=" in html and "https://" not in html
    svg = chart.save(tmp_path / "usage.svg").read_text()
    assert svg.startswith("<svg") and "Bytes by uid" in svg and "(other)" in svg
    png = chart.png(width=400, height=300)
    assert png[1:4] == b"PNG" and int.from_bytes(png[16:20], "big") == 800
    tree = lake.plot("du", max_depth=5, tree="sunburst")
    assert tree.kind == "sunburst" and len(tree.table) > 3
    with pytest.raises(scanlake.OptionError):
        lake.plot("nope")
