"""The change-board report as one standalone HTML page: no external assets, a filter box,
sortable columns.

The page reads like the XLSX workbook: the cover and the caveats, the summary by zone pair
and service, the flows by role and zone pair, the rules per enforcement point, then the
matrix — folded away when it is long, so a 60,000-row site opens as a page of summaries with
the detail behind it. The filter box narrows every table at once (each word must appear in a
row); a click on a column heading sorts by it. Every value is HTML-escaped: names and purposes
come from documents and deployment files, which are data, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, warnings
from portplan.report.changeboard import (
    ROLE_COLUMNS,
    RULE_COLUMNS,
    SUMMARY_COLUMNS,
    ChangeBoardReport,
    change_board,
    role_cells,
    rule_cells,
    summary_cells,
)
from portplan.report.cover import Cover

OPEN_MATRIX = 500  # rows up to which the matrix is shown unfolded

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; } .sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
table.data th { background: #eef; cursor: pointer; position: sticky; top: 0; user-select: none; }
table.cover th { background: #f4f4f8; min-width: 10em; }
.side { display: flex; gap: 1.5em; flex-wrap: wrap; align-items: flex-start; }
.side table { margin: 0.3em 0; }
table.caveats td { font-size: 0.95em; } table.caveats td:first-child { white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tr:nth-child(even) td { background: #f8f8fb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.filter { position: sticky; top: 0; background: #fff; padding: 0.5em 0; z-index: 2; }
.filter input { font-size: 1em; width: 28em; padding: 0.3em; }
.warn { color: #a40; }
details > summary { cursor: pointer; font-weight: 600; margin: 0.5em 0; }
@media print { .filter { display: none; } table.data th { position: static; } }
"""

# Sorting (numbers compare as numbers) and the filter box: every word typed must appear in a
# row for it to stay visible; each table says how many of its rows are shown.
SCRIPT = """
function sortBy(th, column) {
  var table = th.closest("table"), body = table.tBodies[0];
  var ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = a.cells[column].textContent, y = b.cells[column].textContent;
    var order = x.localeCompare(y, undefined, {numeric: true});
    return ascending ? order : -order;
  });
  rows.forEach(function (row) { body.appendChild(row); });
}
document.querySelectorAll("table.data").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, column) {
    th.addEventListener("click", function () { sortBy(th, column); });
  });
});
var texts = new Map(), timer = null;
function applyFilter() {
  var words = document.getElementById("filter").value.toLowerCase().split(/\\s+/)
    .filter(function (w) { return w; });
  document.querySelectorAll("table.data").forEach(function (table) {
    var shown = 0, rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], text = texts.get(row);
      if (text === undefined) {  // the cells apart: words never join across two cells
        text = Array.prototype.map.call(row.cells, function (c) { return c.textContent; })
          .join(" ").toLowerCase();
        texts.set(row, text);
      }
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keep;
      if (keep) { shown++; }
    }
    var count = document.getElementById(table.id + "-shown");
    if (count) { count.textContent = words.length ? shown + " of " + rows.length + " shown" : ""; }
  });
}
// The filter lives in the address too (#filter=words): a filtered view can be shared.
var box = document.getElementById("filter");
box.addEventListener("input", function () {
  clearTimeout(timer);
  timer = setTimeout(function () {
    applyFilter();
    history.replaceState(null, "", box.value ? "#filter=" + encodeURIComponent(box.value) : "#");
  }, 150);
});
if (location.hash.indexOf("#filter=") === 0) {
  box.value = decodeURIComponent(location.hash.slice(8));
  applyFilter();
}
"""


def _numeric(text: str) -> bool:
    return text.replace("-", "", 1).isdigit()


def data_table(table_id: str, headings: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A sortable, filterable table; numbers are right-aligned."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(str(c))}</td>'
            if isinstance(c, int) or _numeric(str(c))
            else f"<td>{escape(str(c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<span class="shown" id="{table_id}-shown"></span>'
        f'<table class="data" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table>"
    )


def _pairs(rows: Iterable[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in rows
    )
    return f'<table class="cover">{cells}</table>'


def _cover(report: ChangeBoardReport) -> list[str]:
    """The request's fields beside what the report holds, then the input files."""
    fields = [(k, v) for k, v in report.cover.fields() if k != "Description"]  # the subtitle
    out = [
        '<section id="cover"><h2>Cover</h2><div class="side">',
        _pairs(fields),
        _pairs(report.totals()),
        "</div>",
    ]
    if report.cover.inputs:
        inputs = "".join(
            f"<tr><td>{escape(i.path)}</td><td><code>{escape(i.sha256)}</code></td></tr>"
            for i in report.cover.inputs
        )
        out.append(
            '<table class="cover"><thead><tr><th>Input file</th><th>SHA-256</th></tr></thead>'
            f"<tbody>{inputs}</tbody></table>"
        )
    out.append("</section>")
    return out


def _caveats(report: ChangeBoardReport) -> list[str]:
    if not report.caveats:
        return []
    rows = "".join(
        f"<tr><td>{escape(c.kind)}</td><td>{escape(c.product)}/{escape(c.flow)}</td>"
        f'<td class="num">{c.rows or ""}</td><td>{escape(c.text)}</td></tr>'
        for c in report.caveats
    )
    return [
        f'<section id="caveats"><h2>Caveats to read before approving ({len(report.caveats)})'
        '</h2><table class="caveats"><thead><tr><th>Kind</th><th>Flow</th><th>Rows</th>'
        f"<th>What to know</th></tr></thead><tbody>{rows}</tbody></table></section>"
    ]


def _views(report: ChangeBoardReport) -> list[str]:
    summary_rows = sum(s.rows for s in report.summary)
    out = [
        f"<section><h2>Summary by zone pair and service ({len(report.summary)} lines, "
        f"{summary_rows} matrix rows)</h2>",
        data_table(
            "summary",
            SUMMARY_COLUMNS,
            (summary_cells(s) for s in report.summary),
        ),
        "</section>",
        f"<section><h2>By role and zone pair ({len(report.by_role)} lines)</h2>",
        data_table(
            "by-role",
            ROLE_COLUMNS,
            (role_cells(r) for r in report.by_role),
        ),
        "</section>",
        "<section><h2>Rules per enforcement point</h2>",
    ]
    for index, point in enumerate(report.points):
        out.append(
            f"<details><summary>{escape(point.point)} ({escape(point.platform)}, "
            f"{escape(point.kind)} firewall): {len(point.rules)} lines</summary>"
        )
        out.append(
            data_table(
                f"point-{index}",
                RULE_COLUMNS,
                (rule_cells(r) for r in point.rules),
            )
        )
        out.append("</details>")
    out.append("</section>")
    return out


def _matrix(report: ChangeBoardReport) -> list[str]:
    opened = " open" if len(report.rows) <= OPEN_MATRIX else ""
    return [
        f'<section><details id="matrix-section"{opened}><summary>Port matrix: '
        f"{report.flows} concrete flows, {len(report.rows)} rows (one per flow, protocol and "
        "port range) — the filter searches it too</summary>",
        data_table("matrix", COLUMNS, (row.cells() for row in report.rows)),
        "</details></section>",
    ]


def _left_out(report: ChangeBoardReport, resolution: Resolution) -> list[str]:
    out: list[str] = []
    if report.excluded:
        out.append("<section><h2>Excluded by the deployment</h2><ul>")
        out += [
            f"<li><b>{escape(e.product)}/{escape(e.flow)}</b> ({escape(', '.join(e.services))}"
            f"): {escape(e.reason)}</li>"
            for e in report.excluded
        ]
        out.append("</ul></section>")
    problems = warnings(resolution)
    if problems:
        out.append('<section><h2 class="warn">Unresolved</h2><ul class="warn">')
        out += [f"<li>{escape(text)}</li>" for text in problems]
        out.append("</ul></section>")
    if report.notices:
        out.append("<section><h2>Notes</h2><ul>")
        out += [f"<li>{escape(text)}</li>" for text in report.notices]
        out.append("</ul></section>")
    return out


class HtmlReport:
    name = "html"
    extension = "html"
    binary = False
    description = "standalone HTML page: cover, summaries, filter box, sortable matrix"

    def render(
        self, deployment: Deployment, resolution: Resolution, cover: Cover | None = None
    ) -> str:
        report = change_board(deployment, resolution, cover)
        title = escape(f"Port matrix: {deployment.name}")
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title><style>{STYLE}</style></head><body>",
            f"<h1>{title}</h1>",
        ]
        if deployment.description:
            parts.append(f'<p class="sub">{escape(deployment.description)}</p>')
        parts += _cover(report)
        if report.warnings:  # what would hurt if installed as is: read before approving
            parts.append('<section id="warnings"><h2 class="warn">Warnings</h2><ul class="warn">')
            parts += [f"<li>{escape(text)}</li>" for text in report.warnings]
            parts.append("</ul></section>")
        parts += _caveats(report)
        parts.append(
            '<div class="filter"><label>Filter every table: <input type="search" id="filter" '
            'placeholder="a host, zone, port or flow — several words narrow it"></label></div>'
        )
        parts += _views(report)
        parts += _matrix(report)
        parts += _left_out(report, resolution)
        parts.append(f"<script>{SCRIPT}</script></body></html>")
        return "\n".join(parts) + "\n"
