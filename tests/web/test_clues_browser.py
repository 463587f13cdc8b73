"""Why each end was chosen: when the extractor's evidence carries ``src_from``/``dst_from``
(e.g. "heading line 42", "column Source"), the review grid shows them under the ends."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from selenium.webdriver.common.by import By

from portplan import pipeline
from portplan.web import WebSettings, create_app
from tests.web.conftest import wait_for

pytestmark = pytest.mark.browser


class _Flow:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def as_json(self) -> dict[str, Any]:
        return self.data


class _Extraction:
    """Extraction output carrying the clue fields the extractor's evidence gains."""

    notices = ("protocol not stated on line 3 — check it",)

    def __init__(self, flows: list[dict[str, Any]]) -> None:
        self.flows = [_Flow(f) for f in flows]

    def as_json(self) -> dict[str, Any]:
        return {"flows": [f.data for f in self.flows], "unparsed": []}


@pytest.fixture
def in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "agent.md").write_text("# Agent to Manager\n\n| Port | Protocol |\n| 4118 | TCP |\n")
    flow = {
        "src": "Agent",
        "dst": "Manager",
        "protocols": ["tcp"],
        "ports": ["4118"],
        "purpose": "heartbeat",
        "optional": False,
        "configurable": False,
        "evidence": {
            "file": "agent.md",
            "line": 4,
            "text": "| 4118 | TCP |",
            "src_from": "heading line 1",
            "dst_from": "heading line 1",
        },
    }
    plain = {**flow, "evidence": {"file": "agent.md", "line": 4, "text": "| 4118 | TCP |"}}
    monkeypatch.setattr(pipeline, "extract_document", lambda document: _Extraction([flow, plain]))
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_app(WebSettings(documents=(docs,))), log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="the server")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_clues_show_under_the_ends(in_process: str, browser: Any) -> None:
    browser.get(in_process + "review?folder=docs&document=agent.md")
    rows = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr"), what="grid"
    )
    clues = [w.text for w in rows[0].find_elements(By.CSS_SELECTOR, ".why")]
    assert clues == ["from heading line 1", "from heading line 1"]
    assert rows[1].find_elements(By.CSS_SELECTOR, ".why") == []
    assert "protocol not stated" in browser.find_element(By.CSS_SELECTOR, ".notice").text
