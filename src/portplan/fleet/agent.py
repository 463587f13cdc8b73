"""The fleet agent: a zipapp of the listen/probe code and the commit-confirmed apply, copied to
every host. It needs Python 3.9 or later and nothing else, so it holds only modules written for
that (:mod:`portplan.verify.agent`, ``listen``, ``probe``, :mod:`portplan.fleet.commit`) and
two empty package markers. The archive is byte-for-byte reproducible (fixed timestamps), so
Ansible copies it again only when its content changed.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import portplan

PACKAGE = Path(portplan.__file__).parent
MODULES = ("verify/agent.py", "verify/listen.py", "verify/probe.py", "fleet/commit.py")
MARKERS = ("__init__.py", "verify/__init__.py", "fleet/__init__.py")
MAIN = """\
import sys

from portplan.verify.agent import main

sys.exit(main())
"""
MINIMUM_PYTHON = (3, 9)


def agent_sources() -> dict[str, str]:
    """Archive path → source text of every module the agent carries."""
    sources = {f"portplan/{name}": (PACKAGE / name).read_text() for name in MODULES}
    sources.update({f"portplan/{name}": "" for name in MARKERS})
    sources["__main__.py"] = MAIN
    return sources


def build_agent() -> bytes:
    """The zipapp: ``python3 agent.pyz probe|listen|start|stop|apply|confirm ...``."""
    buffer = io.BytesIO()
    buffer.write(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(agent_sources().items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def agent_base64() -> str:
    return base64.b64encode(build_agent()).decode()


def pack(data: Any) -> str:
    """JSON, compressed and base64-encoded: what ``--packed`` agent commands read on stdin."""
    import zlib

    return base64.b64encode(zlib.compress(json.dumps(data).encode(), 9)).decode()
