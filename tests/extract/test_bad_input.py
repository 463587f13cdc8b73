"""``portplan extract`` on input it cannot use: one clear line, the right exit code, no file.

Run as a subprocess of the installed command, as a user would: exit 2 and a single stderr line
for unreadable input; exit 0, an empty flow list and a notice for a readable document without
ports. A failed run never leaves an ``-o`` file (or a temporary one) behind.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PORTPLAN = Path(sys.executable).parent / "portplan"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PORTPLAN), "extract", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def encrypted_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 700, "The agent connects to the server on TCP 8443.")
    pdf.showPage()
    pdf.save()


def real_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), invariant=1)
    for page in range(3):
        pdf.drawString(72, 700, f"Page {page}: the agent connects to the server on TCP 8443.")
        pdf.showPage()
    pdf.save()


def truncated_pdf(path: Path) -> None:
    real_pdf(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def binary_named_pdf(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def scanned_pdf(path: Path) -> None:
    """Pages with drawings but no text layer, as a scanner produces."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), invariant=1)
    for _ in range(2):
        pdf.rect(72, 600, 300, 100, fill=1)
        pdf.showPage()
    pdf.save()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def blank(path: Path) -> None:
    path.write_bytes(b"\n   \n\t\n")


UNREADABLE: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "empty-txt": ("notes.txt", empty, r"empty"),
    "empty-pdf": ("guide.pdf", empty, r"empty"),
    "empty-docx": ("guide.docx", empty, r"empty"),
    "empty-csv": ("export.csv", empty, r"empty"),
    "blank-html": ("page.html", blank, r"empty"),
    "binary-named-pdf": ("guide.pdf", binary_named_pdf, r"cannot read PDF: .+ — "),
    "truncated-pdf": ("guide.pdf", truncated_pdf, r"cannot read PDF: .+ — "),
    "encrypted-pdf": ("guide.pdf", encrypted_pdf, r"cannot read PDF: .*encrypted.* — "),
    "scanned-pdf": ("scan.pdf", scanned_pdf, r"cannot read PDF: .*no text.* — "),
    "binary-named-docx": ("guide.docx", binary_named_pdf, r"cannot read DOCX: .+ — "),
    "binary-named-xlsx": ("matrix.xlsx", binary_named_pdf, r"cannot read XLSX: .+ — "),
    "binary-named-html": ("page.html", binary_named_pdf, r"binary data"),
    "binary-named-csv": ("export.csv", binary_named_pdf, r"binary data"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_input_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    name, make, pattern = UNREADABLE[case]
    document = tmp_path / name
    make(document)
    out = tmp_path / "out" / "flows.json"
    out.parent.mkdir()

    result = run(document, "--format", "json", "-o", out)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert name in lines[0]  # the message names the file
    assert list(out.parent.iterdir()) == []  # no output file, no temporary file left


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere.pdf", "--format", "json")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("release-notes.txt", "Release notes\n\nVersion 4.2 fixes the login page layout.\n"),
        ("about.html", "<html><body><h1>About</h1><p>Nothing about networking.</p></body></html>"),
        ("inventory.csv", "Name,Owner\nLaptop,Alice\nPhone,Bob\n"),
    ],
)
def test_document_without_ports_is_exit_0_with_a_notice(
    tmp_path: Path, name: str, content: str
) -> None:
    document = tmp_path / name
    document.write_text(content, encoding="utf-8")

    result = run(document, "--format", "json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flows"] == []
    assert "Traceback" not in result.stderr
    assert re.search(r"\bno\b.*\b(port|flow)", result.stderr, re.IGNORECASE), result.stderr


def test_document_without_ports_still_writes_the_output_file(tmp_path: Path) -> None:
    document = tmp_path / "release-notes.txt"
    document.write_text("Version 4.2 fixes the login page layout.\n", encoding="utf-8")
    out = tmp_path / "flows.json"

    result = run(document, "--format", "json", "-o", out)

    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["flows"] == []


def test_readable_pdf_extracts(tmp_path: Path) -> None:
    """The control case: the PDF that truncated_pdf cuts in half is fine when whole."""
    document = tmp_path / "guide.pdf"
    real_pdf(document)
    result = run(document, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["flows"] or json.loads(result.stdout)["unparsed"]
