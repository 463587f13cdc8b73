"""Every example deployment compiles for nftables and iptables, and the kernel loads the result.

Walks ``examples/**/*.yaml`` (product files excluded), so a new example is covered at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portplan import pipeline
from portplan.compile.iptables import IptablesCompiler
from portplan.compile.nftables import NftablesCompiler
from portplan.verify.netns import NetnsGroup
from tests.conftest import EXAMPLES, example_deployments, require_kernel

DEPLOYMENTS = example_deployments()


def example_id(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


@pytest.mark.parametrize("path", DEPLOYMENTS, ids=example_id)
def test_example_loads_into_nft(netns: NetnsGroup, path: Path) -> None:
    deployment, resolution = pipeline.plan(path)
    artifacts = NftablesCompiler().compile(deployment, resolution)
    if not deployment.firewalls:
        assert artifacts == []
        return
    assert artifacts
    namespace = netns.add("example")
    for artifact in artifacts:
        namespace.load_nft(str(artifact.content))  # replaces the table of the previous one
        listed = json.loads(namespace.run("nft", "-j", "list", "ruleset").stdout)
        rules = [item["rule"] for item in listed["nftables"] if "rule" in item]
        assert len(rules) == artifact.rules, artifact.path


@pytest.mark.parametrize("path", DEPLOYMENTS, ids=example_id)
def test_example_restores_with_iptables(netns: NetnsGroup, path: Path) -> None:
    require_kernel(("ip", "iptables-restore", "ip6tables-restore", "ipset"))
    deployment, resolution = pipeline.plan(path)
    artifacts = {a.path: a for a in IptablesCompiler().compile(deployment, resolution)}
    namespace = netns.add("example")
    for path_name, artifact in sorted(artifacts.items()):
        if path_name.endswith(".ipset"):
            namespace.run("ipset", "restore", "-exist", input=str(artifact.content))
    for path_name, artifact in sorted(artifacts.items()):
        tool = {".v4": "iptables-restore", ".v6": "ip6tables-restore"}.get(path_name[-3:])
        if tool:
            namespace.run(tool, "--test", input=str(artifact.content))
