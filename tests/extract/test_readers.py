"""Every document reader on real files made in the test (reportlab, python-docx, openpyxl)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from portplan.errors import InputError
from portplan.extract.document import (
    Caption,
    CodeBlock,
    DefinitionItem,
    Document,
    Heading,
    ListItem,
    Paragraph,
    Table,
    TextLine,
)
from portplan.extract.readers import REGISTRY, read_document, reader_for, readers


def tables(document: Document) -> list[Table]:
    return [block for block in document.blocks if isinstance(block, Table)]


def texts(document: Document) -> list[TextLine]:
    """Every line of text outside tables, whatever block holds it."""
    out: list[TextLine] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            out.append(block)
        elif isinstance(block, Heading | Caption):
            out.append(TextLine(block.line, block.text))
        elif isinstance(block, DefinitionItem):
            out.extend((block.term, *block.lines))
        elif isinstance(block, Paragraph | ListItem | CodeBlock):
            out.extend(block.lines)
    return out


def line_of(document: Document, fragment: str) -> int:
    for block in texts(document):
        if fragment in block.text:
            return block.line
    raise AssertionError(f"{fragment!r} not in {texts(document)}")


# --- HTML -----------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><title>Acme Gateway ports</title>
<style>td { color: red }</style>
<script>var port = "TCP 6666";</script>
</head>
<body>
<nav><a href="/x">Networking port 7777</a></nav>
<h2>Gateway connections</h2>
<p>The gateway listens on
   <b>TCP 8443</b> for agents.</p>
<table>
  <caption>Table 4. Spans</caption>
  <tr><th>Source</th><th>Destination</th><th>Protocol</th><th>Port</th></tr>
  <tr><td rowspan="3">Agent</td><td>Gateway</td><td>TCP</td><td>8443</td></tr>
  <tr><td>Gateway</td><td colspan="2">ICMP echo</td></tr>
  <tr><td rowspan="2">Relay</td><td>UDP</td><td>9000</td></tr>
  <tr><td>Console</td><td>TCP</td><td>443</td></tr>
</table>
<h3>More</h3>
<table><tr><td>Port</td><td>Use</td></tr><tr><td>22</td><td>SSH</td></tr></table>
<ul><li>First item</li><li>Second <i>item</i></li></ul>
<pre>
Port\tType
161\tUDP
</pre>
</body></html>
"""


def test_html_tables_expand_spans(tmp_path: Path) -> None:
    path = tmp_path / "ports.html"
    path.write_text(HTML, encoding="utf-8")
    document = read_document(path)
    spans, simple = tables(document)
    assert spans.rows == (
        ("Source", "Destination", "Protocol", "Port"),
        ("Agent", "Gateway", "TCP", "8443"),
        ("Agent", "Gateway", "ICMP echo", "ICMP echo"),
        ("Agent", "Relay", "UDP", "9000"),
        ("Console", "Relay", "TCP", "443"),
    )
    assert spans.title == "Table 4. Spans"
    assert spans.lines == (13, 14, 15, 16, 17)
    assert spans.header_rows == 1  # a row of <th> cells
    assert spans.spanned == {(2, 0), (2, 3), (3, 0), (4, 1)}  # the repeats, not the originals
    assert simple.header_rows is None and simple.spanned == frozenset()
    assert simple.rows == (("Port", "Use"), ("22", "SSH"))
    assert simple.title == "More"  # no caption: the heading above names the table


def test_html_text_blocks_keep_source_lines_and_drop_noise(tmp_path: Path) -> None:
    path = tmp_path / "ports.htm"
    path.write_text(HTML, encoding="utf-8")
    document = read_document(path)
    all_text = " ".join(block.text for block in texts(document))
    assert "6666" not in all_text and "7777" not in all_text and "color" not in all_text
    assert line_of(document, "Acme Gateway ports") == 2
    assert line_of(document, "Gateway connections") == 8
    # inline markup does not split a paragraph; its line is where the paragraph starts
    assert line_of(document, "The gateway listens on TCP 8443 for agents.") == 9
    assert line_of(document, "First item") == 21
    assert "Second item" in all_text
    assert line_of(document, "Port\tType") == 23  # <pre> keeps its own lines and tabs
    assert line_of(document, "161\tUDP") == 24
    # reading order: title, heading, paragraph, table, heading, table, list, pre
    kinds = [type(block).__name__ for block in document.blocks]
    assert kinds == [
        "Heading",
        "Heading",
        "Paragraph",
        "Table",
        "Heading",
        "Table",
        "ListItem",
        "ListItem",
        "CodeBlock",
    ]


def test_html_structured_blocks(tmp_path: Path) -> None:
    """Headings keep their level, list items their depth and marker, definition lists pair
    term and text, a figure's caption is a caption, and tables say which rows are header and
    which cells repeat a span."""
    path = tmp_path / "blocks.html"
    path.write_text(
        "<html><head><title>Page title</title></head><body>\n"
        "<h1>Gateway</h1>\n"
        "<h3>Ports <small>(all)</small></h3>\n"
        "<p>Line one<br>line two</p>\n"
        "<ul><li><p>Agents</p><p>over TLS</p>\n"
        '<ol start="4"><li>TCP 443</li>\n<li>UDP 123</li></ol></li></ul>\n'
        "<dl><dt>8443/tcp</dt><dd>Console</dd></dl>\n"
        "<figure><figcaption>Figure 2. Layout</figcaption></figure>\n"
        "<table><thead><tr><th>Port</th><th>Use</th></tr></thead>\n"
        '<tr><td colspan="2">Optional</td></tr>\n'
        '<tr><td rowspan="2">443</td><td>Web</td></tr>\n'
        "<tr><td>API</td></tr></table>\n"
        "</body></html>",
        encoding="utf-8",
    )
    blocks = read_document(path).blocks
    paragraphs = [block for block in blocks if isinstance(block, Paragraph)]
    assert [(p.line, p.text) for p in paragraphs] == [(1, "Page title"), (4, "Line one line two")]
    assert [len(p.lines) for p in paragraphs] == [1, 2]  # <br> starts a new line of the paragraph
    headings = [(b.level, b.text, b.line) for b in blocks if isinstance(b, Heading)]
    assert headings == [(1, "Gateway", 2), (3, "Ports (all)", 3)]
    items = [(b.depth, b.marker, b.text, b.line) for b in blocks if isinstance(b, ListItem)]
    assert items == [
        (0, "•", "Agents over TLS", 5),
        (1, "4.", "TCP 443", 6),
        (1, "5.", "UDP 123", 7),
    ]
    (definition,) = [block for block in blocks if isinstance(block, DefinitionItem)]
    assert (definition.term.text, definition.text, definition.line) == ("8443/tcp", "Console", 8)
    assert [b.text for b in blocks if isinstance(b, Caption)] == ["Figure 2. Layout"]
    (table,) = [block for block in blocks if isinstance(block, Table)]
    assert table.rows == (("Port", "Use"), ("Optional", "Optional"), ("443", "Web"), ("443", "API"))
    assert table.header_rows == 1
    assert table.spanned == {(1, 1), (3, 0)}


def test_html_layout_table_is_read_as_blocks(tmp_path: Path) -> None:
    path = tmp_path / "layout.html"
    path.write_text(
        "<table><tr><td><p>Intro text</p>"
        "<table><tr><th>Port</th><th>Type</th></tr><tr><td>443</td><td>TCP</td></tr></table>"
        "</td></tr></table>",
        encoding="utf-8",
    )
    document = read_document(path)
    assert [t.rows for t in tables(document)] == [(("Port", "Type"), ("443", "TCP"))]
    assert [b.text for b in texts(document)] == ["Intro text"]


# --- PDF ------------------------------------------------------------------------------------


def make_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 780, "Acme Gateway 2.0 port list")
    # a table drawn as text rows, columns placed by x position only
    for row, (a, b, c) in enumerate(
        [
            ("Source", "Destination", "Port"),
            ("Agent", "Gateway", "TCP 8443"),
            ("Gateway", "Database", "TCP 5432"),
        ]
    ):
        y = 740 - row * 14
        pdf.drawString(72, y, a)
        pdf.drawString(222, y, b)
        pdf.drawString(372, y, c)
    # a ruled table: every cell boxed
    cells = [("Port", "Protocol", "Use"), ("161", "UDP", "SNMP"), ("", "TCP", "Continuation")]
    top, height, widths = 600, 20, (100, 100, 150)
    for r, row in enumerate(cells):
        x = 72.0
        for c, text in enumerate(row):
            pdf.rect(x, top - (r + 1) * height, widths[c], height)
            if text:
                pdf.drawString(x + 4, top - (r + 1) * height + 6, text)
            x += widths[c]
    pdf.drawString(72, 500, "Text after the table.")
    pdf.showPage()
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 780, "Page two mentions UDP 514.")
    pdf.showPage()
    pdf.save()


def test_pdf_ruled_table_and_text_rows(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    make_pdf(path)
    document = read_document(path)
    (ruled,) = tables(document)
    assert ruled.rows == (
        ("Port", "Protocol", "Use"),
        ("161", "UDP", "SNMP"),
        ("", "TCP", "Continuation"),
    )
    header = line_of(document, "Source")
    row = next(b for b in texts(document) if "Agent" in b.text)
    # layout text keeps the column gaps, so the text rows still split into three cells
    assert re.split(r"\s{2,}", row.text.strip()) == ["Agent", "Gateway", "TCP 8443"]
    assert row.line == header + 1
    # lines count across the page: text, then the table's rows, then the text after it
    after = line_of(document, "Text after the table.")
    assert ruled.lines[0] > row.line and after == ruled.lines[-1] + 1
    assert line_of(document, "Page two mentions UDP 514.") > after
    # the table's cells are not repeated as text lines
    assert not any("Continuation" in b.text for b in texts(document))


# --- DOCX -----------------------------------------------------------------------------------


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Acme Gateway ports", level=1)
    document.add_paragraph("The agent connects to the gateway on TCP 8443.", style="List Number")
    document.add_paragraph("The gateway answers on the same connection.", style="List Number")
    table = document.add_table(rows=4, cols=3)
    values = [
        ("Source", "Port", "Notes"),
        ("Agent", "8443", "Check-in"),
        ("", "8444", "Upload"),
        ("Optional", "", ""),
    ]
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # merged down
    table.cell(3, 0).merge(table.cell(3, 2))  # merged across
    document.add_paragraph("")
    document.add_paragraph("Closing remark.")
    document.save(str(path))


def test_docx_paragraphs_tables_and_merged_cells(tmp_path: Path) -> None:
    path = tmp_path / "guide.docx"
    make_docx(path)
    document = read_document(path)
    assert [(b.line, b.text) for b in texts(document)] == [
        (1, "Acme Gateway ports"),
        (2, "The agent connects to the gateway on TCP 8443."),
        (3, "The gateway answers on the same connection."),
        (9, "Closing remark."),
    ]
    heading, first, second, _, closing = document.blocks
    assert isinstance(heading, Heading) and heading.level == 1  # the "Heading 1" style
    # Word stores list numbers as formatting; the items get them back as their markers
    assert isinstance(first, ListItem) and (first.marker, first.depth) == ("1.", 0)
    assert isinstance(second, ListItem) and (second.marker, second.depth) == ("2.", 0)
    assert isinstance(closing, Paragraph)
    (table,) = tables(document)
    assert table.rows == (
        ("Source", "Port", "Notes"),
        ("Agent", "8443", "Check-in"),
        ("Agent", "8444", "Upload"),  # a cell merged down repeats in each row it covers
        ("Optional", "Optional", "Optional"),  # and so does one merged across
    )
    assert table.spanned == {(2, 0), (3, 1), (3, 2)}  # the repeats, not the written cells
    assert table.lines == (4, 5, 6, 7)
    assert table.title == "Acme Gateway ports"


# --- CSV / TSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("export.csv", 'Port,Protocol,Notes\n443,TCP,"Web, API"\n\n161,UDP,SNMP\n'),
        ("export.csv", "Port;Protocol;Notes\n443;TCP;Web, API\n\n161;UDP;SNMP\n"),
        ("export.tsv", "Port\tProtocol\tNotes\n443\tTCP\tWeb, API\n\n161\tUDP\tSNMP\n"),
    ],
)
def test_csv_sniffs_the_delimiter(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    (table,) = read_document(path).blocks
    assert isinstance(table, Table)
    assert table.rows == (
        ("Port", "Protocol", "Notes"),
        ("443", "TCP", "Web, API"),
        ("161", "UDP", "SNMP"),
    )
    assert table.lines == (1, 2, 4)  # the blank line is skipped but still counted


def test_csv_multiline_cell_keeps_the_line_of_its_row(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('Port,Notes\n443,"first\nsecond"\n80,plain\n', encoding="utf-8")
    (table,) = read_document(path).blocks
    assert isinstance(table, Table)
    assert table.rows[1] == ("443", "first second")
    assert table.lines == (1, 2, 4)


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx_sheets_merged_cells_and_row_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "Ports"
    first["B2"] = "Source"
    first["C2"] = "Port"
    first["B3"] = "Agent"
    first["C3"] = 8443
    first["C4"] = 8444.0
    first.merge_cells("B3:B4")
    first["B6"] = "Optional section"
    first.merge_cells("B6:C6")
    workbook.create_sheet("Empty")
    notes = workbook.create_sheet("Notes")
    notes.append(["Revision", "1.0"])
    path = tmp_path / "matrix.xlsx"
    workbook.save(str(path))

    document = read_document(path)
    ports, note = tables(document)
    assert ports.title == "Ports" and note.title == "Notes"
    assert ports.rows == (
        ("Source", "Port"),
        ("Agent", "8443"),
        ("Agent", "8444"),  # merged cell filled; a whole-number float is a port, not 8444.0
        ("Optional section", "Optional section"),
    )
    assert ports.spanned == {(2, 0), (3, 1)}  # the positions a merged range repeats over
    assert ports.lines == (2, 3, 4, 6)
    assert note.rows == (("Revision", "1.0"),)


# --- registry and errors --------------------------------------------------------------------


def test_every_suffix_has_exactly_one_reader() -> None:
    claimed: dict[str, str] = {}
    for reader in readers():
        for suffix in reader.suffixes:
            assert suffix not in claimed, f"{suffix} claimed twice"
            claimed[suffix] = type(reader).__name__
    for suffix in (".html", ".htm", ".pdf", ".docx", ".csv", ".tsv", ".xlsx"):
        assert suffix in claimed
    assert len(REGISTRY) >= 6
    assert type(reader_for(Path("X.PDF"))).__name__ == "PdfReader"


@pytest.mark.parametrize("suffix", [".html", ".pdf", ".docx", ".csv", ".tsv", ".xlsx"])
@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_file_is_an_input_error(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError, match="the file is empty") as caught:
        read_document(path)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_damaged_office_file_is_an_input_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"PK\x03\x04 this zip ends here")
    with pytest.raises(InputError, match="cannot read") as caught:
        read_document(path)
    assert "\n" not in str(caught.value)


def test_one_column_tables_are_text(tmp_path: Path) -> None:
    """Note boxes and layout frames are drawn as one-column tables; their text stays prose."""
    import docx
    from reportlab.pdfgen import canvas

    sentence = "The agent connects to the server on TCP 8443."
    html = tmp_path / "note.html"
    html.write_text(f"<table><tr><td><p>Note:</p><p>{sentence}</p></td></tr></table>")
    word = tmp_path / "note.docx"
    document = docx.Document()
    document.add_table(rows=1, cols=1).cell(0, 0).text = sentence
    document.save(str(word))
    pdf_path = tmp_path / "note.pdf"
    pdf = canvas.Canvas(str(pdf_path), invariant=1)
    pdf.rect(60, 680, 400, 40)
    pdf.drawString(72, 696, sentence)
    pdf.showPage()
    pdf.save()

    for path in (html, word, pdf_path):
        read = read_document(path)
        assert tables(read) == [], path.name
        assert sentence in [block.text.strip() for block in texts(read)], path.name


def test_docx_content_controls_and_layout_tables_are_read(tmp_path: Path) -> None:

    import docx
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    document = docx.Document()
    wrapped = document.add_paragraph("Inside a content control: UDP 514 to the SIEM.")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    sdt.append(content)
    wrapped._p.addprevious(sdt)
    content.append(wrapped._p)
    layout = document.add_table(rows=1, cols=2)
    layout.cell(0, 0).text = "Left column text."
    inner = layout.cell(0, 1).add_table(rows=2, cols=2)
    for r, row in enumerate((("Port", "Type"), ("443", "TCP"))):
        for c, value in enumerate(row):
            inner.cell(r, c).text = value
    path = tmp_path / "controls.docx"
    document.save(str(path))
    assert document.element.body.find(qn("w:sdt")) is not None

    read = read_document(path)
    lines = [block.text for block in texts(read)]
    assert "Inside a content control: UDP 514 to the SIEM." in lines
    assert "Left column text." in lines
    assert [table.rows for table in tables(read)] == [(("Port", "Type"), ("443", "TCP"))]


def draw_ruled(pdf: Any, rows: list[tuple[str, ...]], top: float) -> None:
    x0, height, width = 72.0, 20.0, 120.0
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            x, y = x0 + c * width, top - (r + 1) * height
            pdf.rect(x, y, width, height)
            pdf.drawString(x + 4, y + 6, text)


def test_pdf_table_continued_on_the_next_pages_is_one_table(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    header = ("Port", "Protocol", "Source")
    path = tmp_path / "long-table.pdf"
    pdf = canvas.Canvas(str(path), invariant=1)
    pages = [
        [header, ("443", "TCP", "Agent"), ("8443", "TCP", "Console")],
        [("161", "UDP", "Poller")],  # continuation without a header row
        [header, ("514", "UDP", "Switches")],  # continuation repeating the header
    ]
    for number, rows in enumerate(pages, start=1):
        pdf.drawString(72, 800, "Acme Gateway guide")  # running header
        draw_ruled(pdf, rows, 760)
        pdf.drawString(72, 40, f"Page {number} of 4")  # running footer
        pdf.showPage()
    pdf.drawString(72, 800, "Acme Gateway guide")
    pdf.drawString(72, 780, "Optional ports")
    draw_ruled(pdf, [("Destination Port", "Type", "Client"), ("22", "TCP", "Admin")], 760)
    pdf.showPage()
    pdf.save()

    first, last = tables(read_document(path))
    assert first.rows == (
        header,
        ("443", "TCP", "Agent"),
        ("8443", "TCP", "Console"),
        ("161", "UDP", "Poller"),
        ("514", "UDP", "Switches"),
    )
    assert list(first.lines) == sorted(first.lines)
    # a table that starts with its own, different header is a new table
    assert last.rows[0] == ("Destination Port", "Type", "Client")


def test_csv_excel_separator_hint(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nPort;Notes\n443;Web, API\n", encoding="utf-8")
    (table,) = read_document(path).blocks
    assert isinstance(table, Table)
    assert table.rows == (("Port", "Notes"), ("443", "Web, API"))
    assert table.lines == (2, 3)


def test_html_nested_beyond_recursion_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 5000 + "TCP 443" + "</div>" * 5000, encoding="utf-8")
    with pytest.raises(InputError, match="nested"):
        read_document(path)


def test_ligatures_and_soft_hyphens_read_as_typed(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "typeset.docx"
    document = docx.Document()
    document.add_paragraph("The port is con\ufb01gurable; de\u00adfault TCP 8443.")
    document.save(str(path))
    (line,) = texts(read_document(path))
    assert line.text == "The port is configurable; default TCP 8443."


@pytest.mark.parametrize(
    "table",
    [
        '<table role="presentation"><tr><td>Menu</td><td><p>{s}</p></td></tr></table>',
        "<table><tr><td>Menu</td><td><h2>Ports</h2><p>{s}</p></td></tr></table>",
        "<table><tr><td>Menu</td><td><p>{long}</p><p>{s}</p></td></tr></table>",
    ],
)
def test_html_layout_tables_without_nested_tables(tmp_path: Path, table: str) -> None:
    sentence = "The agent connects to the server on TCP 8443."
    path = tmp_path / "layout.html"
    path.write_text(table.format(s=sentence, long="word " * 200), encoding="utf-8")
    document = read_document(path)
    assert tables(document) == []
    assert sentence in [block.text for block in texts(document)]


def test_pdf_shaded_header_bar_is_not_a_table(tmp_path: Path) -> None:
    """A filled bar behind the header row (and zebra stripes) must not split the table."""
    from reportlab.lib import colors
    from reportlab.pdfgen import canvas

    path = tmp_path / "shaded.pdf"
    pdf = canvas.Canvas(str(path), invariant=1)
    rows = [("Port", "Type", "Source"), ("443", "TCP", "Agent"), ("161", "UDP", "Poller")]
    for index, row in enumerate(rows):
        y = 700 - index * 16
        if index % 2 == 0:
            pdf.setFillColor(colors.lightgrey)
            pdf.rect(70, y - 4, 400, 16, stroke=0, fill=1)
            pdf.setFillColor(colors.black)
        for x, text in zip((72, 222, 372), row, strict=True):
            pdf.drawString(x, y, text)
    pdf.showPage()
    pdf.save()

    document = read_document(path)
    assert tables(document) == []
    lines = [re.split(r"\s{2,}", block.text.strip()) for block in texts(document) if block.text]
    assert lines == [list(row) for row in rows]


def test_pdf_read_by_several_processes_matches_one(tmp_path: Path) -> None:
    """Long PDFs are read in page ranges by worker processes; the result must not change,
    also for a table that continues across the boundary between two ranges."""
    from reportlab.pdfgen import canvas

    from portplan.extract.readers.pdf import read_pdf_blocks

    path = tmp_path / "long.pdf"
    pdf = canvas.Canvas(str(path), invariant=1)
    for number in range(30):
        pdf.drawString(72, 800, f"Chapter {number}: the agent connects to the server on TCP 8443.")
        rows = [("Port", "Type", "Source")] if number == 0 else []
        rows += [(str(1000 + number * 10 + row), "TCP", f"Host {number}") for row in range(3)]
        draw_ruled(pdf, rows, 760)
        pdf.showPage()
    pdf.save()

    one = read_pdf_blocks(path, workers=1)
    three = read_pdf_blocks(path, workers=3)
    assert three == one
    (table,) = [block for block in one if isinstance(block, Table)]
    assert len(table.rows) == 1 + 30 * 3
    numbers = [block.line for block in one if isinstance(block, TextLine)] + list(table.lines)
    assert len(set(numbers)) == len(numbers)


def test_html_aria_table_of_divs(tmp_path: Path) -> None:
    path = tmp_path / "divs.html"
    path.write_text(
        '<h2>Ports</h2><div role="table" aria-label="Required ports">'
        '<div role="row"><span role="columnheader">Port</span>'
        '<span role="columnheader">Type</span></div>'
        '<div role="row"><span role="cell">443</span><span role="cell">TCP</span></div>'
        "</div>"
        '<div role="table"><div role="row"><span role="cell">Just a note on TCP 22.</span>'
        "</div></div>",
        encoding="utf-8",
    )
    document = read_document(path)
    (table,) = tables(document)
    assert table.rows == (("Port", "Type"), ("443", "TCP"))
    assert table.title == "Required ports"
    assert "Just a note on TCP 22." in [block.text for block in texts(document)]


def test_docx_tracked_insertions_soft_breaks_and_tabs(tmp_path: Path) -> None:
    import docx
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    def inserted(text: str) -> Any:
        insertion = OxmlElement("w:ins")
        insertion.set(qn("w:id"), "1")
        insertion.set(qn("w:author"), "Editor")
        run, node = OxmlElement("w:r"), OxmlElement("w:t")
        node.text = text
        run.append(node)
        insertion.append(run)
        return insertion

    document = docx.Document()
    paragraph = document.add_paragraph("The agent uses TCP ")
    paragraph._p.append(inserted("8443"))
    rows = document.add_paragraph("Port\tType\tSource")
    rows.add_run().add_break()
    rows.add_run("443\tTCP\tAgent")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Port"
    table.cell(0, 1)._tc.xpath("./w:p")[0].append(inserted("5432"))
    path = tmp_path / "tracked.docx"
    document.save(str(path))

    read = read_document(path)
    assert [(block.line, block.text) for block in texts(read)] == [
        (1, "The agent uses TCP 8443"),
        (2, "Port\tType\tSource"),
        (3, "443\tTCP\tAgent"),
    ]
    assert [table.rows for table in tables(read)] == [(("Port", "5432"),)]


def test_pdf_text_of_unmapped_glyphs_is_recognised() -> None:
    """Fonts without a Unicode map come out of pdfminer as "(cid:NN)"; such a PDF is
    unreadable, one with a stray unmapped glyph is not."""
    from portplan.extract.readers.pdf import _mostly_unmapped

    garbled = [TextLine(1, "(cid:12)(cid:40)(cid:51) (cid:7)(cid:9)"), TextLine(2, "TCP")]
    assert _mostly_unmapped(list(garbled))
    assert not _mostly_unmapped([TextLine(1, "The agent uses TCP 443 (cid:3).")])
    assert not _mostly_unmapped([Table((("Port", "(cid:3)"), ("443", "TCP")), (1, 2))])
