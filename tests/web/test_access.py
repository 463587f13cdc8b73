"""Who may use the workbench, and which files a request may name: the token off loopback,
Host and Origin checks, and path traversal refused in every file parameter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By

from portplan.web import WebSettings, create_app
from portplan.web.settings import access_token, is_loopback
from tests.web.conftest import Serve, wait_for

LOCAL = "http://127.0.0.1:8765"


def client(**settings: Any) -> TestClient:
    return TestClient(create_app(WebSettings(**settings)), base_url=LOCAL)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("workbench.example", False),
    ],
)
def test_only_loopback_goes_without_a_token(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    token = access_token(host, None)
    assert (token is None) is loopback
    if token is not None:
        assert len(token) >= 32 and token != access_token(host, None)  # fresh and long
    assert access_token(host, "given") == "given"


def test_a_request_without_the_token_is_refused() -> None:
    with client(token="s3cret-token") as web:
        refused = web.get("/", follow_redirects=False)
        assert refused.status_code == 401
        assert "access token" in refused.json()["error"]
        assert web.get("/api/catalog").status_code == 401
        assert web.get("/?token=wrong", follow_redirects=False).status_code == 401
        assert web.get("/static/style.css").status_code == 401

        # The URL serve prints: a cookie is set and the token leaves the address bar.
        opened = web.get("/catalog?q=print&token=s3cret-token", follow_redirects=False)
        assert opened.status_code == 303
        assert opened.headers["location"] == "/catalog?q=print"
        assert "HttpOnly" in opened.headers["set-cookie"]
        assert "SameSite=Strict" in opened.headers["set-cookie"]
        assert web.get("/catalog?q=print").status_code == 200  # the cookie now carries it

    with client(token="s3cret-token") as script:
        bearer = {"authorization": "Bearer s3cret-token"}
        assert script.get("/api/catalog", headers=bearer).status_code == 200
        assert script.get("/api/catalog?token=s3cret-token").status_code == 200


def test_loopback_refuses_other_host_names_and_cross_site_posts() -> None:
    with client() as web:
        assert web.get("/").status_code == 200
        assert web.get("/", headers={"host": "localhost:8765"}).status_code == 200
        rebound = web.get("/", headers={"host": "attacker.example"})
        assert rebound.status_code == 421
        flow = {"protocols": ["tcp"], "ports": ["443"]}
        assert web.post("/api/review/check", json=flow).json() == {"error": None, "note": None}
        same = web.post("/api/review/check", json=flow, headers={"origin": LOCAL})
        assert same.status_code == 200
        forged = web.post(
            "/api/review/check", json=flow, headers={"origin": "http://attacker.example"}
        )
        assert forged.status_code == 403
        page = web.get("/catalog")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.txt").write_text("Port 443 TCP from Client to Server for HTTPS\n")
    (tmp_path / "secret.txt").write_text("root:x:0:0 the secret\n")
    os.symlink(tmp_path / "secret.txt", folder / "link.txt")
    return folder


TRAVERSALS = [
    "../secret.txt",
    "../../../../etc/passwd",
    "/etc/passwd",
    "link.txt",  # a symbolic link pointing out of the folder
    "sub/../../secret.txt",
    "guide.txt\x00.pdf",
]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_path_traversal_in_document_parameters_is_refused(documents: Path, name: str) -> None:
    with client(documents=(documents,)) as web:
        for url in ("/review", "/api/review"):
            answer = web.get(url, params={"folder": "docs", "document": name})
            assert answer.status_code == 400, (url, name)
            assert "the secret" not in answer.text and "root:x" not in answer.text
        assert web.get("/api/review", params={"folder": "docs", "document": "guide.txt"}).is_success
        unknown = web.get("/api/review", params={"folder": "..", "document": "secret.txt"})
        assert unknown.status_code == 400


def test_path_traversal_when_saving_and_uploading_is_refused(
    documents: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    flow = {
        "src": "Client",
        "dst": "Server",
        "protocols": ["tcp"],
        "ports": ["443"],
        "purpose": "HTTPS",
        "evidence": {"file": "guide.txt", "line": 1, "text": "Port 443"},
    }
    body = {"folder": "docs", "document": "guide.txt", "flows": [flow], "product_id": "guide"}
    with client(documents=(documents,), catalog_dirs=(catalog,)) as web:
        for filename in ("../escaped.yaml", "/tmp/escaped.yaml", "sub/x.yaml", "x.txt", ".yaml"):
            answer = web.post("/api/review/save", json={**body, "filename": filename})
            assert answer.status_code == 400, filename
        bad_document = {**body, "document": "../secret.txt", "filename": "ok.yaml"}
        assert web.post("/api/review/save", json=bad_document).status_code == 400
        assert list(catalog.iterdir()) == []
        assert not (tmp_path / "escaped.yaml").exists()

        upload = web.post(
            "/api/documents", files={"file": ("../../escaped.txt", b"Port 443 TCP\n")}
        )
        assert upload.status_code == 200
        stored = upload.json()
        assert ".." not in stored["document"] and stored["folder"] == "uploads"
        assert not (tmp_path / "escaped.txt").exists()
        review = web.get("/api/review", params=stored)
        assert review.is_success and review.json()["file"] == "escaped.txt"

        for url in (
            "/static/..%2f..%2fsettings.py",
            "/catalog/..%2f..%2fetc%2fpasswd",
            "/catalog/..%2f..%2fetc%2fpasswd/diagram.svg",
        ):
            assert web.get(url).status_code == 404, url


@pytest.mark.browser
def test_browser_without_the_token_is_refused(serve: Serve, browser: Any) -> None:
    url = serve("--token", "browser-token-123")
    bare = url.split("?", 1)[0]
    browser.get(bare + "catalog")
    assert "access token" in browser.find_element(By.TAG_NAME, "body").text
    assert not browser.find_elements(By.ID, "catalog-table")
    browser.get(bare + "catalog?token=browser-token-123")
    wait_for(lambda: browser.find_elements(By.ID, "catalog-table"), what="the catalog")
    assert "token" not in browser.current_url
    browser.get(bare + "catalog/lrs-vpsx")  # the cookie carries the token from now on
    assert browser.find_elements(By.ID, "product-flows")
