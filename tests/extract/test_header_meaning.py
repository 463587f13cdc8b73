"""Header meaning: vendors name the same columns in many ways."""

from __future__ import annotations

import pytest

from portplan.extract.columns import ColumnRole as Role
from portplan.extract.columns import column_role, read_header, split_concatenated_header


@pytest.mark.parametrize(
    ("cell", "role"),
    [
        ("Port", Role.PORT),
        ("Port(s)", Role.PORT),
        ("From server", Role.SOURCE),
        ("Source server", Role.SOURCE),
        ("Connection from", Role.SOURCE),
        ("Connection to", Role.DESTINATION),
        ("Initiating system", Role.SOURCE),
        ("Receiving system", Role.DESTINATION),
        ("Von", Role.SOURCE),
        ("Nach", Role.DESTINATION),
        ("Destination Port", Role.PORT),
        ("Destination Server Port (Default)", Role.PORT),
        ("Listening port", Role.PORT),
        ("Dst Port", Role.PORT),
        ("Server port", Role.PORT),
        ("Port/Protocol", Role.PORT),
        ("Source Port", Role.SOURCE_PORT),
        ("Client port", Role.SOURCE_PORT),
        ("Type", Role.PROTOCOL),
        ("Protocol", Role.PROTOCOL),
        ("Transport", Role.PROTOCOL),
        ("IP Protocol", Role.PROTOCOL),
        ("Source", Role.SOURCE),
        ("From (Sender)", Role.SOURCE),
        ("Sender", Role.SOURCE),
        ("Client", Role.SOURCE),
        ("Initiator", Role.SOURCE),
        ("Origin", Role.SOURCE),
        ("Connect from", Role.SOURCE),
        ("Source host", Role.SOURCE),
        ("Destination", Role.DESTINATION),
        ("To (Listener)", Role.DESTINATION),
        ("Listener", Role.DESTINATION),
        ("Server", Role.DESTINATION),
        ("Target", Role.DESTINATION),
        ("Description", Role.PURPOSE),
        ("Purpose", Role.PURPOSE),
        ("Comment", Role.PURPOSE),
        ("Used for", Role.PURPOSE),
        ("Notes", Role.PURPOSE),
        ("Details", Role.PURPOSE),
        ("Service", Role.PURPOSE),
        ("Function", Role.PURPOSE),
        ("Direction", Role.DIRECTION),
        ("MVE server", Role.OTHER),
        ("Printer", Role.OTHER),
    ],
)
def test_column_roles(cell: str, role: Role) -> None:
    assert column_role(cell) is role


def test_a_ports_table_needs_a_port_column_and_another_meaningful_one() -> None:
    header = read_header(["Port", "Type", "Source", "Destination", "Description"])
    assert header is not None and header.index(Role.PORT) == 0
    assert read_header(["Component", "Optional or Required", "Platforms supported"]) is None
    assert read_header(["Overview", "3"]) is None
    assert read_header(["Port"]) is None


def test_endpoint_named_columns_become_sides() -> None:
    parts = split_concatenated_header("ProtocolMVE serverPrinterUsed for")
    assert parts == ["Protocol", "MVE server", "Printer", "Used for"]
    header = read_header(parts)
    assert header is not None
    assert header.roles == (Role.PROTOCOL, Role.SIDE, Role.SIDE, Role.PURPOSE)


@pytest.mark.parametrize("text", ["ProsCons", "ActionComms", "The server listens."])
def test_glued_text_that_is_no_ports_header(text: str) -> None:
    parts = split_concatenated_header(text)
    assert parts is None or read_header(parts) is None
