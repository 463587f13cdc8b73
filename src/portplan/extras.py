"""Optional extras: the libraries only some inputs and targets need.

``pip install portplan`` reads text, Markdown, HTML, CSV and XLSX and compiles every native
target, and writes every report (XLSX included: the port matrix a change board accepts is
core, so openpyxl is a core dependency). The rest is opt-in:

``portplan[pdf]``      pdfplumber — reading PDF documents
``portplan[office]``   python-docx — reading Word (DOCX) documents
``portplan[aerleon]``  aerleon — the Aerleon targets (Cisco, Juniper, Palo Alto, …)
``portplan[fleet]``    ansible-core — ``portplan fleet`` (inventory, verify, apply on real hosts)
``portplan[web]``      FastAPI, uvicorn, Jinja2 — the web workbench (``portplan serve``)
``portplan[all]``      all of the above

A module that needs one imports it through :func:`require`, so a missing library is one line
naming the extra to install (exit 2), not a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from portplan.errors import MissingExtra

# extra -> what it adds, for the message (the packages are listed in pyproject.toml).
EXTRAS: dict[str, str] = {
    "pdf": "reading PDF documents",
    "office": "reading Word (DOCX) documents",
    "aerleon": "the Aerleon targets",
    "fleet": "portplan fleet (ansible-core)",
    "web": "the web workbench, portplan serve",
}


def require(extra: str, module: str, *, file: str | None = None) -> ModuleType:
    """Import ``module``, which the optional ``extra`` installs; raise :class:`MissingExtra`
    naming the extra when it is not installed."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"the optional extra '{extra}' ({EXTRAS[extra]}) is not installed — install it "
            f"with: pip install 'portplan[{extra}]'",
            file=file,
        ) from None
