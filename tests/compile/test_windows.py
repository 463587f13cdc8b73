"""Windows target: scripts tokenize as safe PowerShell and carry exactly the host's flows."""

from __future__ import annotations

import pytest

from portplan.compile.windows import WindowsCompiler, ps_literal
from portplan.errors import UnsupportedError
from tests.compile.nonnative_sample import Names, sample
from tests.compile.powershell_check import arguments, check_script


def scripts(**options: bool) -> dict[str, str]:
    deployment, resolution = sample(**options)
    return {a.path: str(a.content) for a in WindowsCompiler().compile(deployment, resolution)}


def rules(text: str) -> list[dict[str, list[str]]]:
    commands, problems = check_script(text)
    assert problems == []
    return [arguments(c) for c in commands if c and c[0] == ("word", "New-NetFirewallRule")]


def test_one_script_per_windows_host() -> None:
    assert sorted(scripts()) == ["srv1.ps1", "srv2.ps1"]


def test_removes_its_group_first_then_adds_rules() -> None:
    text = scripts()["srv1.ps1"]
    commands, problems = check_script(text)
    assert problems == []
    words = [c[0][1] for c in commands]
    first_rule = words.index("New-NetFirewallRule")
    assert "Get-NetFirewallRule" in words[:first_rule]
    remove = commands[words.index("Get-NetFirewallRule")]
    assert ("literal", "portplan acme-print") in remove
    assert ("word", "Remove-NetFirewallRule") in remove


def test_inbound_and_outbound_rules_match_flows() -> None:
    found = rules(scripts()["srv1.ps1"])
    inbound = {
        (r["Protocol"][0], ",".join(r.get("LocalPort", [])))
        for r in found
        if r["Direction"] == ["Inbound"]
    }
    assert inbound == {
        ("TCP", "515,631,9100-9102"),
        ("TCP", "443"),
        ("UDP", "161-162"),
        ("ICMPv4", ""),
    }
    outbound = {
        (r["Protocol"][0], ",".join(r.get("RemotePort", [])))
        for r in found
        if r["Direction"] == ["Outbound"]
    }
    assert outbound == {("TCP", "8080"), ("UDP", "5353"), ("ICMPv6", "")}
    snmp = next(r for r in found if r["Protocol"] == ["UDP"] and r["Direction"] == ["Inbound"])
    assert snmp["RemoteAddress"] == ["10.0.3.5/32"]
    ping = next(r for r in found if r["Protocol"] == ["ICMPv4"])
    assert ping["IcmpType"] == ["8"]
    assert all(r["Group"] == ["portplan acme-print"] and r["Action"] == ["Allow"] for r in found)


def test_sctp_is_an_error_naming_the_flow() -> None:
    deployment, resolution = sample(sctp=True)
    with pytest.raises(UnsupportedError, match="acme-print/diameter/srv1->srv2"):
        WindowsCompiler().compile(deployment, resolution)


@pytest.mark.parametrize(
    "text",
    [
        "it's",
        "a\u2019b",
        "$(touch /tmp/pwned)",
        "`whoami`",
        "x; Remove-Item C:\\",
        "two\nlines",
        "\u2018\u2018",
        "'",
    ],
)
def test_literal_round_trips_through_the_tokenizer(text: str) -> None:
    literal = ps_literal(text)
    tokens, problems = check_script(f"Write-Output {literal}\r\n")
    assert problems == []
    # Typographic single quotes end a literal in PowerShell, so they come back as ASCII ones.
    typographic = str.maketrans(dict.fromkeys("\u2018\u2019\u201a\u201b", "'"))
    expected = " ".join(text.split()).translate(typographic)
    assert tokens == [[("word", "Write-Output"), ("literal", expected)]]


def test_hostile_names_stay_inside_literals() -> None:
    names = Names(
        product="evil'; Remove-Item -Recurse C:\\ #",
        server="srv\u2019$(calc)",
        purpose="line1\r\nStart-Process calc `n",
    )
    deployment, resolution = sample(names)
    for artifact in WindowsCompiler().compile(deployment, resolution):
        found = rules(str(artifact.content))
        assert found
        assert {r["Group"][0] for r in found} == {"portplan evil'; Remove-Item -Recurse C:\\ #"}
        assert {r["Description"][0] for r in found} == {"line1 Start-Process calc `n"}


def test_only_hosts_behind_windows_firewalls_when_the_deployment_names_them() -> None:
    deployment, resolution = sample()
    points = [
        p.model_copy(update={"platform": "windows", "hosts": ["srv2"]}) if p.kind == "host" else p
        for p in deployment.firewalls
    ]
    scoped = deployment.model_copy(update={"firewalls": points})
    artifacts = WindowsCompiler().compile(scoped, resolution)
    assert [a.path for a in artifacts] == ["srv2.ps1"]
    assert artifacts[0].rules == 4  # submit, partner-api, snmp, ping
