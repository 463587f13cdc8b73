"""Port grammar: what vendors write in port and protocol cells, and what it means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portplan.extract.ports import looks_port_like, parse_ports, parse_protocols


def services(text: str, default: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[str]]]:
    return [(g.protocols, g.port_strings()) for g in parse_ports(text, default).groups]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UDP 9187", [(("udp",), ["9187"])]),
        ("5701 (TCP)", [(("tcp",), ["5701"])]),
        ("443/tcp", [(("tcp",), ["443"])]),
        ("TCP/UDP 53", [(("tcp", "udp"), ["53"])]),
        ("tcp+udp/8301", [(("tcp", "udp"), ["8301"])]),
        ("5060 / 5061 (TCP or UDP)", [(("tcp", "udp"), ["5060", "5061"])]),
        ("199 (UDP) 123 (UDP)", [(("udp",), ["199", "123"])]),
        ("161 (UDP) 199 (TCP)", [(("udp",), ["161"]), (("tcp",), ["199"])]),
        ("16384 - 32767 (UDP)", [(("udp",), ["16384-32767"])]),
        ("*49'152 – 57'500", [((), ["49152-57500"])]),
        ("49,152-65,535", [((), ["49152-65535"])]),
        ("80,443", [((), ["80", "443"])]),
        ("1196, 1197, 1198, 1199", [((), ["1196", "1197", "1198", "1199"])]),
        ("443 / 9443", [((), ["443", "9443"])]),
        ("UDP ports 5000 to 5010", [(("udp",), ["5000-5010"])]),
        ("SNMP 161/162", [(("udp",), ["161", "162"])]),
        ("IPP/IPPS printing via ports 80/443/631", [(("tcp",), ["80", "443", "631"])]),
        ("Windows print queue RAW 9100", [(("tcp",), ["9100"])]),
        ("HTTP/S via Port 9263 (Chromebook) 9264 (Win, MacOS)", [(("tcp",), ["9263", "9264"])]),
        ("8080 (HTTP) / 8443 (HTTPS)", [(("tcp",), ["8080", "8443"])]),
        ("User‑defined port. The default port is TCP 1433.", [(("tcp",), ["1433"])]),
    ],
)
def test_port_cells(text: str, expected: list[tuple[tuple[str, ...], list[str]]]) -> None:
    assert services(text) == expected


def test_type_column_fills_numbers_without_a_protocol() -> None:
    assert services("443 / 9443", ("tcp",)) == [(("tcp",), ["443", "9443"])]


def test_markers() -> None:
    assert parse_ports("*1443").configurable
    assert parse_ports("User-defined port. The default port is TCP 1433.").configurable
    assert not parse_ports("443").configurable
    ephemeral = parse_ports("Ephemeral TCP port")
    assert ephemeral.ephemeral and not ephemeral.has_ports and ephemeral.protocols == ("tcp",)
    icmp = parse_ports("ICMP messages")
    assert icmp.protocols == ("icmp",) and not icmp.groups
    depends = parse_ports("Depends upon the content server port (check with the customer)")
    assert depends.depends and depends.configurable and not depends.groups
    assert parse_ports("TM uses LUCS Ports +2000 flat value added.").offset == 2000


@pytest.mark.parametrize(
    ("cell", "protocols"),
    [
        ("TCP", ("tcp",)),
        ("UDP/TCP", ("tcp", "udp")),
        ("(TCP or UDP)", ("tcp", "udp")),
        ("SMB/TCP", ("tcp",)),
        ("Net.pipe / TCP", ("tcp",)),
        ("SMTP", ("tcp",)),
        ("HTTPS", ("tcp",)),
        ("SNMP", ("udp",)),
        ("ICMP", ("icmp",)),
    ],
)
def test_protocol_cells(cell: str, protocols: tuple[str, ...]) -> None:
    assert parse_protocols(cell)[0] == protocols


@pytest.mark.parametrize(
    "text",
    [
        "Release 11.0 of the product, revised 9.11.17",
        "Document ID: KES-FW-0542    Last updated: 2024-03-18",
        "© 2024 RingWave Communications. Contact support on +1 555 0100.",
        "Line diagram showing the connections to 2 sites, Site 1 and Site 2.",
        "A 4K player downloads about 2 GB per week.",
    ],
)
def test_prose_numbers_that_are_not_ports(text: str) -> None:
    assert not parse_ports(text, numbers_are_ports=False).has_ports


def test_references_are_not_ports() -> None:
    assert services("443 (see note 2)") == [((), ["443"])]
    assert services("TCP 8443, see Table 3") == [(("tcp",), ["8443"])]
    assert services("Port 80 (version 5 and later)") == [((), ["80"])]


def test_prose_numbers_next_to_a_port_word_are_ports() -> None:
    spec = parse_ports("The server listens on port 8443 for agents", numbers_are_ports=False)
    assert [g.port_strings() for g in spec.groups] == [["8443"]]
    assert looks_port_like("open TCP 443 to the proxy")
    assert not looks_port_like("Schedule large downloads outside business hours.")


ports = st.integers(min_value=1, max_value=65535)


# "/" without spaces is left out: "1/2/2024" is a date, and is read as one.
@given(st.lists(ports, min_size=1, max_size=6, unique=True), st.sampled_from([", ", " / ", ","]))
def test_any_list_round_trips(values: list[int], separator: str) -> None:
    text = "TCP " + separator.join(str(v) for v in values)
    assert services(text) == [(("tcp",), [str(v) for v in values])]


@given(ports, ports, st.sampled_from(["-", " - ", "–", " – ", " to "]))
def test_any_range_round_trips(a: int, b: int, dash: str) -> None:
    low, high = min(a, b), max(a, b)
    spec = parse_ports(f"{low}{dash}{high} (UDP)")
    expected = [str(low)] if low == high else [f"{low}-{high}"]
    if low == high:
        expected = [str(low)]  # "N - N" is one port, written twice
        assert spec.groups[0].port_strings()[0] == str(low)
    else:
        assert [g.port_strings() for g in spec.groups] == [expected]
    assert spec.groups[0].protocols == ("udp",)


@given(st.integers(min_value=1000, max_value=65535))
def test_thousands_separators(value: int) -> None:
    thousands, rest = divmod(value, 1000)
    for sep in ("'", "’", "\u202f"):
        assert services(f"{thousands}{sep}{rest:03d} TCP") == [(("tcp",), [str(value)])]


@given(st.text(max_size=200))
def test_never_crashes_and_ports_are_valid(text: str) -> None:
    spec = parse_ports(text)
    for group in spec.groups:
        for low, high in group.ports:
            assert 1 <= low <= high <= 65535


@pytest.mark.parametrize(
    "text",
    [
        "Syslog output follows RFC 5424.",
        "LDAP (RFC 4511) is used for the directory.",
        "DNS 192.0.2.53.",
        "Example subnet: 10.20.30.0/24, gateway 10.20.30.1",
        "HTTP/1.1 and HTTP/2 are supported by the reverse proxy.",
        "See KB 2039095 and CVE-2024-12345.",
        "Certified to ISO 27001.",
    ],
)
def test_references_addresses_and_versions_are_not_ports(text: str) -> None:
    assert not parse_ports(text, numbers_are_ports=False).has_ports
    assert not looks_port_like(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.10:443 TCP", [(("tcp",), ["443"])]),
        ("HTTPS/443", [(("tcp",), ["443"])]),
    ],
)
def test_ports_beside_addresses_and_names_stay(
    text: str, expected: list[tuple[tuple[str, ...], list[str]]]
) -> None:
    assert services(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000:5100/udp", [(("udp",), ["5000-5100"])]),
        ("1024:65535", [((), ["1024-65535"])]),
        ("TCP 1521 (Oracle 19c)", [(("tcp",), ["1521"])]),
        ("ICMP type 8", []),
        ("ESP (IP protocol 50)", []),
        ("tcp-1433", [(("tcp",), ["1433"])]),
        ("TCP_8080", [(("tcp",), ["8080"])]),
        ("TCP idle 3600 s, UDP 30 s", []),
        ("5701TCP", [(("tcp",), ["5701"])]),
        ("1433 [1]", [((), ["1433"])]),
        ("8080 (1)", [((), ["8080"])]),
        ("TCP 1433 (SQL Server 2019)", [(("tcp",), ["1433"])]),
        ("TCP 3389 (Windows 10/11)", [(("tcp",), ["3389"])]),
        ("TCP 80 (also 8080)", [(("tcp",), ["80", "8080"])]),
        ("TCP 443 (Port 8443 when TLS)", [(("tcp",), ["443", "8443"])]),
    ],
)
def test_colon_ranges_and_numbers_that_name_other_things(
    text: str, expected: list[tuple[tuple[str, ...], list[str]]]
) -> None:
    assert services(text) == expected
