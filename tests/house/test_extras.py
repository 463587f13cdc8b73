"""Optional extras: a missing one is a one-line error naming the extra to install (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.errors import MissingExtra
from portplan.extras import require

EXAMPLE = Path(__file__).parents[2] / "examples" / "lrs-vpsx" / "deployment.yaml"


@pytest.fixture
def without_aerleon(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import aerleon`` fail as it does when the extra is not installed (a None entry
    in sys.modules makes the import raise ImportError)."""
    for name in list(sys.modules):
        if name == "aerleon" or name.startswith("aerleon."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aerleon", None)


def test_require_returns_the_module_when_it_is_installed() -> None:
    assert require("pdf", "pdfplumber").__name__ == "pdfplumber"


def test_require_names_the_extra_when_the_module_is_missing(without_aerleon: None) -> None:
    with pytest.raises(MissingExtra) as caught:
        require("aerleon", "aerleon.api", file="site.yaml")
    message = str(caught.value)
    assert message.startswith("site.yaml: the optional extra 'aerleon' (the Aerleon targets)")
    assert "pip install 'portplan[aerleon]'" in message
    assert "\n" not in message and caught.value.exit_code == 2


def test_compiling_for_aerleon_without_the_extra_is_one_line_exit_2(
    without_aerleon: None, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["compile", str(EXAMPLE), "-t", "aerleon:cisco", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'portplan[aerleon]'" in lines[0], result.output
    assert not (tmp_path / "out").exists()


def test_the_target_list_says_which_extra_is_missing(without_aerleon: None) -> None:
    result = CliRunner().invoke(cli, ["compile", "--list-targets"])
    assert result.exit_code == 0
    text = "".join(result.output.replace("│", " ").split())  # the table wraps long cells
    assert "nftables" in text and "pipinstall'portplan[aerleon]'" in text


def test_an_unknown_extra_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown extra"):
        require("excel", "openpyxl")


def test_the_core_install_reads_text_and_compiles_native_targets(tmp_path: Path) -> None:
    """With the extras' libraries hidden, text, Markdown, HTML, CSV and XLSX documents are read
    and the native targets compile: nothing of the core imports an extra."""
    corpus = Path(__file__).parents[1] / "extract" / "corpus"
    documents = [corpus / n for n in ("bastion-gateway.md", "beacon-servicedesk.html")]
    documents += [corpus / n for n in ("alder-ehr.csv", "bergwerk-erp.txt", "fernway-request.xlsx")]
    script = "\n".join(
        [
            "import sys",
            "for name in ('pdfplumber', 'docx', 'aerleon'):",
            "    sys.modules[name] = None  # as if the extra were not installed",
            "from portplan.cli.main import main",
            "sys.argv = ['portplan', *sys.argv[1:]]",
            "main()",
        ]
    )
    run = [sys.executable, "-c", script]
    extracted = subprocess.run(
        [*run, "extract", *map(str, documents)], capture_output=True, text=True, check=False
    )
    assert extracted.returncode == 0, extracted.stderr
    assert len(json.loads(extracted.stdout)["flows"]) > 5
    for target in ("nftables", "iptables", "firewalld", "windows", "aws", "kubernetes"):
        out = tmp_path / target
        compiled = subprocess.run(
            [*run, "compile", str(EXAMPLE), "-t", target, "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stderr
        assert any(out.rglob("*"))
    pdf = subprocess.run(
        [*run, "extract", str(corpus / "helix-nac.pdf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert pdf.returncode == 2 and len(pdf.stderr.splitlines()) == 1  # needs the pdf extra


@pytest.mark.parametrize(
    ("extra", "module", "suffix"), [("pdf", "pdfplumber", ".pdf"), ("office", "docx", ".docx")]
)
def test_reading_a_document_without_its_extra_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: str, module: str, suffix: str
) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(f"{module}."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)
    document = tmp_path / f"guide{suffix}"
    # Enough of each format for the reader to get as far as its library.
    document.write_bytes(b"%PDF-1.4\n" if suffix == ".pdf" else b"PK\x03\x04 not a real archive")
    result = CliRunner().invoke(cli, ["extract", str(document)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'portplan[{extra}]'" in lines[0], result.output
