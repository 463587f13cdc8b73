"""Fixtures for the fleet tests: the real-SSH ones need root, ip, nft, sshd and Ansible and
FAIL (not skip) under CI=true when any is missing (tests/conftest.py's rule)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import require_kernel
from tests.fleet.testbed import SSHD, generated_deployment


@pytest.fixture
def fleet_kernel() -> None:
    ansible = str(Path(sys.executable).parent / "ansible-playbook")
    require_kernel(("ip", "nft", SSHD, "ssh-keygen", "unshare", ansible))


@pytest.fixture
def small_fleet(tmp_path: Path) -> tuple[Path, Path]:
    """An eight-host generated deployment (four servers with host firewalls) and its catalog."""
    return generated_deployment(tmp_path, 8)
