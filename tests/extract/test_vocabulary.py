"""Each word list of ``portplan.extract.vocabulary``, checked once, where it is defined."""

from __future__ import annotations

import pytest

from portplan.extract.vocabulary import (
    DETERMINERS,
    DIRECTION_WORDS,
    ENTITY_HEADS,
    GENERIC_TITLE_WORDS,
    PERSONS,
    SERVICE_PHRASES,
    SERVICES,
    TCP_NOUNS,
    VERBS,
    WELL_KNOWN_PORTS,
    Direction,
    direction_of,
    implies_tcp,
    is_configurable,
    is_optional,
    service,
    sort_protocols,
    split_arrow,
)


@pytest.mark.parametrize(
    ("word", "transports", "port"),
    [
        ("HTTPS", ("tcp",), 443),
        ("ldaps.", ("tcp",), 636),
        ("snmp", ("udp",), 161),
        ("(syslog)", ("udp",), 514),
        ("SIP", ("tcp", "udp"), 5060),
        ("ping", ("icmp",), None),
    ],
)
def test_service_names_give_transport_and_port(
    word: str, transports: tuple[str, ...], port: int | None
) -> None:
    found = service(word)
    assert found is not None and (found.transports, found.port) == (transports, port)


def test_words_that_are_not_services() -> None:
    assert service("server") is None and service("port") is None and service("") is None


def test_every_service_is_well_formed() -> None:
    for name, found in SERVICES.items():
        assert name == name.lower() and found.transports, name
        assert set(found.transports) <= {"tcp", "udp", "icmp"}, name
        assert found.port is None or 1 <= found.port <= 65535, name
    for phrase, short in SERVICE_PHRASES.items():
        assert short in SERVICES, phrase


def test_well_known_ports_agree_with_the_services_that_use_them() -> None:
    """A service's standard port, where listed as well known, has that service's transport."""
    for name, found in SERVICES.items():
        if found.port is not None and found.port in WELL_KNOWN_PORTS and found.port != 443:
            assert set(WELL_KNOWN_PORTS[found.port]) & set(found.transports), name
    assert all(1 <= port <= 65535 for port in WELL_KNOWN_PORTS)
    assert WELL_KNOWN_PORTS[80] == ("tcp",) and WELL_KNOWN_PORTS[22] == ("tcp",)


def test_tcp_nouns() -> None:
    assert implies_tcp("Taskomatic API") and implies_tcp("XMLRPC interface")
    assert implies_tcp("web console") and not implies_tcp("time synchronisation")
    assert all(word == word.lower() for word in TCP_NOUNS)


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Inbound", Direction.IN),
        ("incoming to the server", Direction.IN),
        ("listening", Direction.IN),
        ("out", Direction.OUT),
        ("Outgoing", Direction.OUT),
        ("Bidirectional", Direction.BOTH),
        ("in/out", Direction.BOTH),
        ("Inbound and outbound", Direction.BOTH),
        ("Internal network", None),
        ("output format", None),
    ],
)
def test_direction_words(text: str, direction: Direction | None) -> None:
    assert direction_of(text) is direction


def test_direction_word_list_covers_what_direction_of_reads() -> None:
    for word in ("inbound", "outbound", "incoming", "outgoing", "bidirectional"):
        assert word in DIRECTION_WORDS and direction_of(word) is not None


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("Console → Server", ("Console", "Server")),
        ("Agent -> Manager", ("Agent", "Manager")),
        ("Server <- Client", ("Client", "Server")),
        ("Primary ↔ Replica", ("Primary", "Replica")),
        ("Server &rarr; Store", ("Server", "Store")),
        ("Server", None),
        ("A → B → C", None),
        ("→ Server", None),
    ],
)
def test_arrows(text: str, pair: tuple[str, str] | None) -> None:
    assert split_arrow(text) == pair


@pytest.mark.parametrize(
    "text",
    [
        "(if used)",
        "Optional",
        "only for DSR",
        "Only required if the gRPC interface is used",
        "not required for a single node",
        "debugging",
        "if you use the web phone",
        "when the cluster is enabled",
    ],
)
def test_optional_wording(text: str) -> None:
    assert is_optional(text)


@pytest.mark.parametrize("text", ["Required", "Job database", "Only the server listens here"])
def test_wording_that_is_not_optional(text: str) -> None:
    assert not is_optional(text)


@pytest.mark.parametrize(
    ("text", "configurable"),
    [
        ("default port", True),
        ("user-defined", True),
        ("can be changed in the settings", True),
        ("depends on the content server port", True),
        ("Job database", False),
        ("fixed", False),
    ],
)
def test_configurable_wording(text: str, configurable: bool) -> None:
    assert is_configurable(text) is configurable


def test_protocol_order() -> None:
    assert sort_protocols({"udp", "tcp"}) == ("tcp", "udp")
    assert sort_protocols(["icmp", "tcp", "tcp"]) == ("tcp", "icmp")


def test_word_lists_are_lower_case_single_words() -> None:
    for words in (ENTITY_HEADS, PERSONS, DETERMINERS, GENERIC_TITLE_WORDS, VERBS, DIRECTION_WORDS):
        assert words and all(w == w.lower() and " " not in w for w in words)


def test_word_lists_do_not_contradict_each_other() -> None:
    """An endpoint noun is not a person, a determiner or a verb; a person is not a system."""
    assert not ENTITY_HEADS & PERSONS
    assert not ENTITY_HEADS & DETERMINERS
    assert not DETERMINERS & VERBS
    assert {"server", "servers", "agent", "agents", "node", "nodes"} <= ENTITY_HEADS
    assert {"overview", "ports", "requirements"} <= GENERIC_TITLE_WORDS
