"""What the workbench keeps between requests: the catalog and planned deployments (reloaded
when a file changes), document folders, uploads and review drafts.

Loading the catalog or planning a large deployment takes a good part of a second, so each is
computed once and kept until one of its files changes (size or modification time).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from portplan import pipeline
from portplan.errors import InputError
from portplan.model.concrete import Resolution
from portplan.model.deployment import Deployment
from portplan.web.matrix import Matrix
from portplan.web.settings import WebSettings

T = TypeVar("T")
Signature = tuple[tuple[str, int, int], ...]
UPLOADS = "uploads"


def signature(paths: Iterable[Path]) -> Signature:
    """Name, size and modification time of each file: changes when any file does."""
    out: list[tuple[str, int, int]] = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            out.append((str(path), -1, -1))
            continue
        out.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(out)


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return [directory]
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


@dataclass
class _Cached(Generic[T]):
    key: Signature
    value: T


@dataclass(frozen=True)
class Planned:
    """A deployment, its plan and its port matrix, as one deployment page shows them."""

    id: str
    path: Path
    deployment: Deployment
    resolution: Resolution
    matrix: Matrix


@dataclass
class Workbench:
    settings: WebSettings
    uploads: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="portplan-web-")))
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _catalog: _Cached[pipeline.Catalog] | None = None
    _plans: dict[str, _Cached[Planned]] = field(default_factory=dict)

    def close(self) -> None:
        shutil.rmtree(self.uploads, ignore_errors=True)

    # ── catalog ───────────────────────────────────────────────────────────────────────────
    def catalog_signature(self) -> Signature:
        dirs = [pipeline.bundled_dir(), *self.settings.catalog_dirs]
        return signature(f for d in dirs for f in _yaml_files(d))

    def catalog(self) -> pipeline.Catalog:
        key = self.catalog_signature()
        with self._lock:
            if self._catalog is None or self._catalog.key != key:
                self._catalog = _Cached(key, pipeline.load_catalog(self.settings.catalog_dirs))
            return self._catalog.value

    # ── deployments ───────────────────────────────────────────────────────────────────────
    def deployments(self) -> dict[str, Path]:
        """Deployment files by id (the file name's stem, made unique)."""
        out: dict[str, Path] = {}
        for path in self.settings.deployments:
            base = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "deployment"
            if path.parent.name:
                base = f"{re.sub(r'[^a-z0-9]+', '-', path.parent.name.lower()).strip('-')}-{base}"
            key, n = base, 2
            while key in out:
                key, n = f"{base}-{n}", n + 1
            out[key] = path
        return out

    def deployment_path(self, deployment_id: str) -> Path:
        path = self.deployments().get(deployment_id)
        if path is None:
            known = ", ".join(self.deployments()) or "none"
            raise LookupError(f"no deployment '{deployment_id}' — known: {known}")
        return path

    def planned(self, deployment_id: str) -> Planned:
        path = self.deployment_path(deployment_id)
        with self._lock:  # one planning at a time; a second asker waits and gets the result
            key = (*signature([path]), *self.catalog_signature())
            cached = self._plans.get(deployment_id)
            if cached is not None and cached.key == key:
                return cached.value
            deployment, resolution = pipeline.plan_in(self.catalog(), path)
            planned = Planned(deployment_id, path, deployment, resolution, Matrix.of(resolution))
            self._plans[deployment_id] = _Cached(key, planned)
            return planned

    def warm_up(self) -> None:
        """Load the catalog and plan every deployment ahead of the first page (run in a
        thread at start-up); a problem shows when its page is opened."""
        for deployment_id in self.deployments():
            try:
                self.planned(deployment_id)
            except Exception:  # the deployment's page shows the error when it is opened
                continue

    # ── documents ─────────────────────────────────────────────────────────────────────────
    def document_roots(self) -> dict[str, Path]:
        """Folders a document may be picked from, by the name the page shows, and uploads."""
        roots: dict[str, Path] = {}
        for directory in self.settings.documents:
            name, n = directory.name or "documents", 2
            while name in roots or name == UPLOADS:
                name, n = f"{directory.name}-{n}", n + 1
            roots[name] = directory
        roots[UPLOADS] = self.uploads
        return roots

    def documents(self) -> list[tuple[str, str]]:
        """(folder, file name relative to it) of every document that can be reviewed."""
        out: list[tuple[str, str]] = []
        for root, directory in self.document_roots().items():
            for path in sorted(directory.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    out.append((root, path.relative_to(directory).as_posix()))
        return out

    def store_upload(self, filename: str, data: bytes, clean: Callable[[str], str]) -> str:
        """Keep an uploaded document under its own folder; returns its name under uploads."""
        name = clean(filename)
        if not data:
            raise InputError("the uploaded document is empty — pick a file with text.", file=name)
        folder = Path(tempfile.mkdtemp(dir=self.uploads, prefix="u"))
        (folder / name).write_bytes(data)
        return f"{folder.name}/{name}"
