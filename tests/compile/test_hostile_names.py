"""Hostile names through every registered target: product, role, host, external and purpose
strings carrying quotes, line breaks, ``$(…)``, backticks, ``;``, unicode, comment closers and
markup. Every artifact must still parse with the tool that reads it (nft and iptables-restore
in a namespace, firewalld's readers, Aerleon's aclgen, JSON/YAML/XML parsers, the PowerShell
tokenizer), and the command the names try to inject must never have run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from lxml import etree

from portplan.compile.base import Artifact
from portplan.compile.registry import TARGETS, get_compiler
from portplan.io import write_tree
from portplan.verify.netns import NetnsGroup
from tests.compile.cloud_schemas import (
    ARM_SCHEMA,
    TERRAFORM_SCHEMA,
    check_arm_expressions,
    check_terraform_references,
)
from tests.compile.nonnative_sample import Names, sample
from tests.compile.powershell_check import check_script
from tests.compile.test_firewalld import check_with_firewalld
from tests.compile.test_kubernetes import NETWORK_POLICY
from tests.conftest import require_kernel

AERLEON_SAMPLE = (
    "cisco",
    "juniper",
    "paloalto",
    "srx",
    "nftables",
    "speedway",
    "windows_advfirewall",
    "k8s",
    "gce",
    "openconfig",
)

# Filters attached to instances or pods: a network firewall's forward rules cannot be written.
HOST_ONLY = ("aerleon:gce", "aerleon:k8s")


# Targets known to break on hostile names, with why (xfail, strict: a fix turns the mark into
# a failure until it goes). None today.
KNOWN_BROKEN: dict[str, str] = {}


def target_list() -> list[object]:
    names: list[object] = []
    for name in sorted(TARGETS):
        if name.endswith(":*"):
            names += [f"{name[:-2]}:{platform}" for platform in AERLEON_SAMPLE]
        elif name in KNOWN_BROKEN:
            mark = pytest.mark.xfail(reason=KNOWN_BROKEN[name], strict=True)
            names.append(pytest.param(name, marks=mark))
        else:
            names.append(name)
    return names


def hostile(marker: Path) -> Names:
    run = f"$(touch {marker})"
    tick = f"`touch {marker}`"
    return Names(
        product=f"evil\"'; {run} {tick} */ </rule> ünï\n--",
        server_role='srv</rule><rule family="ipv4"><accept/></rule>',
        client_role=f"cli'{run}",
        monitor_role=f"mon{tick}",
        server='srv1"; rm -rf / #',
        server2="srv2*/ drop; /*",
        client="ws1\nflush ruleset",
        monitor="mon1 ${var.x} [concat('a')] %{ if 1 }",
        external="partners\u2019 & | > %PATH% ^",
        purpose=f"jobs\r\n# x\" ; {run} {tick} \u202e\u0000 '@ <!-- -->",
    )


@pytest.mark.parametrize("target", target_list())
def test_hostile_names_keep_every_output_well_formed(
    target: str, tmp_path: Path, netns: NetnsGroup
) -> None:
    marker = tmp_path / "pwned"
    deployment, resolution = sample(hostile(marker), icmp=False)
    if target in HOST_ONLY:
        hosts = [p for p in deployment.firewalls if p.kind == "host"]
        deployment = deployment.model_copy(update={"firewalls": hosts})
    try:
        artifacts = get_compiler(target).compile(deployment, resolution)
    except Exception as error:
        pytest.fail(f"{target} failed on hostile names: {error!r}")
    assert artifacts, target
    out = tmp_path / "out"
    write_tree(out, {a.path: a.content for a in artifacts})
    check_artifacts(target, artifacts, out, netns)
    assert not marker.exists(), f"{target}: an injected command ran"


def check_artifacts(target: str, artifacts: list[Artifact], out: Path, netns: NetnsGroup) -> None:
    by_path = {a.path: str(a.content) for a in artifacts}
    for path, text in by_path.items():
        if path.endswith(".nft"):
            namespace = netns.add("hostile")
            namespace.load_nft(text)
            namespace.run("nft", "list", "ruleset")
        elif path.endswith(".json"):
            document = json.loads(text)
            if path.endswith(".tf.json"):
                jsonschema.validate(document, TERRAFORM_SCHEMA)
                check_terraform_references(document)
            elif target == "azure":
                jsonschema.validate(document, ARM_SCHEMA)
                check_arm_expressions(document)
        elif path.endswith(".yaml"):
            document = yaml.safe_load(text)
            if target == "kubernetes":
                jsonschema.validate(document, NETWORK_POLICY)
        elif path.endswith(".xml"):
            etree.fromstring(text.encode())
        elif path.endswith(".ps1"):
            _, problems = check_script(text)
            assert problems == [], problems
        elif path.endswith(".ipt"):  # Aerleon speedway: complete iptables-restore files
            tool = "ip6tables-restore" if path.endswith("-v6.ipt") else "iptables-restore"
            netns.add("hostile").run(tool, "--test", input=text)
    if target == "iptables":
        restore_all(by_path, netns)
    if target == "firewalld":
        check_with_firewalld(out)
    if target == "aerleon":
        aclgen(out)
    if target.startswith("aerleon:"):
        for path, text in by_path.items():
            for forbidden in ("$(", "`", "\r", "</rule>", "\u202e"):
                assert forbidden not in text, (path, forbidden)
            if path.endswith(".jcl") or path.endswith(".srx"):
                assert text.count("/*") == text.count("*/"), path


def restore_all(by_path: dict[str, str], netns: NetnsGroup) -> None:
    require_kernel(("ip", "iptables-restore", "ip6tables-restore", "ipset"))
    stems = {p.rsplit(".rules.", 1)[0] for p in by_path if ".rules." in p}
    for stem in sorted(stems):
        namespace = netns.add("hostile")
        if f"{stem}.ipset" in by_path:
            namespace.run("ipset", "restore", "-exist", input=by_path[f"{stem}.ipset"])
        namespace.run("iptables-restore", "--test", input=by_path[f"{stem}.rules.v4"])
        namespace.run("ip6tables-restore", "--test", input=by_path[f"{stem}.rules.v6"])


def aclgen(out: Path) -> None:
    rendered = out / "rendered"
    rendered.mkdir()
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("aclgen")),
            f"--base_directory={out / 'policies'}",
            f"--definitions_directory={out / 'def'}",
            f"--output_directory={rendered}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert any(rendered.iterdir())


def test_hostile_literals_decode_to_the_cleaned_names() -> None:
    """The PowerShell literals carry the names as written, minus control characters."""
    names = hostile(Path("/x"))  # short: literals are cut at 200 characters
    deployment, resolution = sample(names, icmp=False)
    [first, *_] = get_compiler("windows").compile(deployment, resolution)
    commands, problems = check_script(str(first.content))
    assert problems == []
    literals = [value for command in commands for kind, value in command if kind == "literal"]
    assert f"portplan {' '.join(names.product.split())}" in literals
