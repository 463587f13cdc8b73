"""The port matrix as one standalone HTML file: no external assets, sortable columns.

Click a column heading to sort by it (again to reverse); a small inline script does it, so
the file works offline and from an e-mail attachment. Every value is HTML-escaped: names and
purposes come from documents and deployment files, which are data, never markup.
"""

from __future__ import annotations

from html import escape

from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.report.base import COLUMNS, matrix_rows, warnings

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef; cursor: pointer; position: sticky; top: 0; user-select: none; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tr:nth-child(even) td { background: #f8f8fb; }
.warn { color: #a40; }
"""

# Sorts the rows of the table by the clicked column; numbers (ports) compare as numbers.
SCRIPT = """
document.querySelectorAll("table.matrix th").forEach(function (th, column) {
  th.addEventListener("click", function () {
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
  });
});
"""


class HtmlReport:
    name = "html"
    extension = "html"
    binary = False
    description = "standalone HTML page, sortable"

    def render(self, deployment: Deployment, resolution: Resolution) -> str:
        rows = matrix_rows(resolution)
        title = escape(f"Port matrix: {deployment.name}")
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in COLUMNS)
        body = "\n".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row.cells()) + "</tr>" for row in rows
        )
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title><style>{STYLE}</style></head><body>",
            f"<h1>{title}</h1>",
            f"<p>{len(resolution.flows)} concrete flows, {len(rows)} rows (one per protocol). "
            "Click a column heading to sort.</p>",
            f'<table class="matrix"><thead><tr>{head}</tr></thead><tbody>',
            body,
            "</tbody></table>",
        ]
        if resolution.warnings:  # what would hurt if installed as is: read before approving
            parts.append('<h2 class="warn">Warnings</h2><ul class="warn">')
            parts += [f"<li>{escape(text)}</li>" for text in resolution.warnings]
            parts.append("</ul>")
        problems = warnings(resolution)
        if problems:
            parts.append('<h2 class="warn">Unresolved</h2><ul class="warn">')
            parts += [f"<li>{escape(text)}</li>" for text in problems]
            parts.append("</ul>")
        if resolution.notices:
            parts.append("<h2>Notes</h2><ul>")
            parts += [f"<li>{escape(text)}</li>" for text in resolution.notices]
            parts.append("</ul>")
        parts.append(f"<script>{SCRIPT}</script></body></html>")
        return "\n".join(parts) + "\n"
