"""The one vocabulary of extraction: every word list the interpreter reads documents with.

Arrows, direction words, optional and configurable markers, service names with their
transport and well-known port, words that name endpoints, people and generic section titles.
Tables, prose, frames and commands all import from here, so a word means the same thing
wherever it appears (``tests/extract/test_vocabulary.py`` checks each list once).

Transports and ports of services follow the IANA service name and port number registry
(RFC 6335); where a service is registered for both TCP and UDP but used over one in practice
(DNS queries, SNMP, syslog), the practical one is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


def words_of(text: str) -> frozenset[str]:
    """The words of a whitespace-separated list (easier to read than a set literal)."""
    return frozenset(text.split())


# -- transports and services ------------------------------------------------------------------

TRANSPORTS: dict[str, tuple[str, ...]] = {
    "tcp": ("tcp",),
    "udp": ("udp",),
    "sctp": ("sctp",),
    "icmp": ("icmp",),
    "icmpv6": ("icmp",),
    "icmp6": ("icmp",),
}
PROTOCOL_ORDER = ("tcp", "udp", "sctp", "icmp")


def sort_protocols(protocols: set[str] | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Protocols in the canonical order, each once."""
    present = set(protocols)
    return tuple(p for p in PROTOCOL_ORDER if p in present)


@dataclass(frozen=True)
class Service:
    """What a service name says: its transport(s) and, where one is standard, its port."""

    transports: tuple[str, ...]
    port: int | None = None


def _services(transports: tuple[str, ...], table: str) -> dict[str, Service]:
    """``name[:port]`` entries of one transport."""
    out: dict[str, Service] = {}
    for entry in table.split():
        name, _, port = entry.partition(":")
        out[name] = Service(transports, int(port) if port else None)
    return out


SERVICES: dict[str, Service] = {
    **_services(
        ("tcp",),
        """http:80 https:443 http/s:443 https/mqtt:443 mqtt:1883 mqtts:8883 ipp:631 ipps:631
        lpr:515 lpd:515 raw:9100 jetdirect:9100 pdl:9100 smb:445 cifs:445 ftp:21 ftps:990
        sftp:22 ssh:22 scp:22 telnet:23 smtp:25 smtps:465 esmtp:25 submission:587 pop:110
        pop3:110 pop3s:995 imap:143 imaps:993 ldap:389 ldaps:636 rdp:3389 vnc:5900 mssql:1433
        tds:1433 mysql:3306 postgresql:5432 postgres:5432 oracle:1521 rmi jmx ajp:8009 rtsp:554
        wcf soap rest websocket websockets wss:443 amqp:5672 amqps:5671 xmpp:5222 bgp:179
        tacacs:49 tacacs+:49 tls ssl iscsi:3260 git:9418 nntp:119 winrm:5985 hl7 dicom:104
        mllp kafka:9092 redis:6379 mongodb:27017 msrpc:135 epmap:135 net.tcp jdbc odbc grpc
        telnets:992 ws:80 nfs:2049 rsync:873 nrpe:5666 zmq bbdo""",
    ),
    **_services(
        ("udp",),
        """snmp:161 snmptrap:162 trap:162 traps:162 syslog:514 ntp:123 sntp:123 dhcp:67 bootp:67
        tftp:69 mdns:5353 llmnr:5355 ssdp:1900 rtp rtcp srtp stun:3478 radius:1812 ike:500
        ipsec:500 isakmp:500 nat-t:4500 wsd:3702 coap:5683 quic:443 wireguard:51820
        netbios-ns:137 netbios-dgm:138 dns:53""",
    ),
    **_services(("tcp", "udp"), "sip:5060 turn:3478 kerberos:88 openvpn:1194 netbios"),
    **_services(("icmp",), "icmp ping echo"),
}
# Full names that a document writes instead of the short one ("Simple Network Management
# Protocol (SNMP)", "Hypertext Transfer Protocol"): the short name is found in parentheses by
# the port grammar, so only names without a parenthesised acronym are listed here.
SERVICE_PHRASES: dict[str, str] = {
    "hypertext transfer protocol over ssl/tls": "https",
    "hypertext transfer protocol": "http",
    "secure shell": "ssh",
    "domain name system": "dns",
    "network time protocol": "ntp",
    "simple mail transfer protocol": "smtp",
    "remote desktop": "rdp",
}


def service(word: str) -> Service | None:
    """The service a single word names ("HTTPS", "snmp", "ldaps."), or None."""
    return SERVICES.get(word.lower().strip(".,;:()"))


# Words that say a port carries a TCP service even where no protocol is written: an API, a
# web interface, a database, a remote procedure call ("Satellite-search API", "Tomcat to
# Apache HTTPD (AJP)", "XMLRPC API").
TCP_NOUNS = frozenset(
    [
        "api",
        "apis",
        "rpc",
        "xmlrpc",
        "xml-rpc",
        "json-rpc",
        "jsonrpc",
        "grpc",
        "rest",
        "restful",
        "http",
        "https",
        "web",
        "ui",
        "gui",
        "webui",
        "console",
        "dashboard",
        "database",
        "databases",
        "db",
        "jdbc",
        "odbc",
        "sql",
        "ajp",
        "jvm",
        "jmx",
        "rmi",
        "soap",
        "websocket",
        "websockets",
        "graphql",
        "scrape",
        "scrapes",
        "scraping",
    ]
)


def implies_tcp(text: str) -> bool:
    """Whether a purpose names a service that runs over TCP ("Taskomatic API")."""
    return any(word in TCP_NOUNS for word in re.findall(r"[a-z+]+", text.lower()))


# Ports whose transport is not in doubt when a document gives the number alone (IANA
# registrations in everyday use). Used only when the document states no protocol at all.
WELL_KNOWN_PORTS: dict[int, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            20,
            21,
            22,
            23,
            25,
            80,
            110,
            135,
            139,
            143,
            179,
            389,
            443,
            445,
            465,
            515,
            587,
            631,
            636,
            873,
            990,
            993,
            995,
            1433,
            1521,
            2049,
            3260,
            3306,
            3389,
            5432,
            5666,
            5671,
            5672,
            5900,
            5985,
            5986,
            6379,
            8080,
            8443,
            9100,
            9200,
            9300,
            9418,
            27017,
        ),
        ("tcp",),
    ),
    **dict.fromkeys(
        (67, 68, 69, 123, 137, 138, 161, 162, 500, 514, 1812, 1813, 4500, 5353), ("udp",)
    ),
    **dict.fromkeys((53, 88, 5060), ("tcp", "udp")),
}


# -- endpoints and people --------------------------------------------------------------------

ENTITY_HEADS = words_of(
    """node nodes node(s) server servers server(s) service services client clients printer
    printers printer(s) device devices device(s) computer computers app apps application
    applications mfd mfds mfp mfps cloud workstation workstations browser browsers database
    databases db gateway gateways agent agents endpoint endpoints host hosts controller
    controllers console consoles laptop laptops phone phones appliance appliances proxy
    proxies router routers firewall firewalls broker brokers portal connector connectors
    manager managers instance instances cluster clusters pc pcs desktop desktops terminal
    terminals scanner scanners relay relays balancer balancers backend backends frontend
    frontends queue queues directory controller(s) site sites system systems machine machines
    localhost vm vms container containers pod pods api apis peer peers member members replica
    replicas
    player players cache caches kiosk kiosks sensor sensors camera cameras recorder recorders
    collector collectors network networks subnet subnets lan vlan dmz segment repository
    repositories storage share shares archive vault bucket registry point points ap aps nas
    san switch switches master masters worker workers daemon daemons array arrays indexer
    indexers webserver webservers ingester ingesters datastore datastores coordinator
    coordinators executor executors driver drivers leader leaders follower followers primary
    secondary standby pbx trunk trunks handset handsets extension extensions deployment
    deployments
    deskphone deskphones smartphone smartphones softphone softphones carrier carriers
    environment environments"""
)
PERSONS = words_of(
    """user users end-user end-users enduser administrator administrators admin admins you we
    they he she operator operators customer customers technician engineer engineers people
    person someone analyst analysts"""
)
DETERMINERS = words_of(
    "the a an their its his her your our this that these those each every any some all both"
    " most many few several other"
)
# Words of a section title that say what the section is about in general, not which system:
# "Default ports", "Network requirements", "Overview".
GENERIC_TITLE_WORDS = words_of(
    """port ports protocol protocols network networking networks requirement requirements
    overview introduction summary configuration configure configuring firewall firewalls
    rule rules security securing default defaults list table tables reference traffic
    communication communications connection connections connectivity flow flows used use
    usage required needed necessary additional other general prerequisites prerequisite
    installation install installing setup set up deployment considerations consideration
    information details detail note notes tcp udp ip tcp/ip and or of for in on the a an
    to from with by common advanced basic more about how what which list listing open opening
    external internal inbound outbound incoming outgoing ingress egress direction directions
    local remote ports/protocols service services appendix chapter section part page contents
    misc miscellaneous various optional recommended typical standard example examples
    minimum maximum minimal mandatory essential using deploying group groups policy policies
    settings
    monitoring management access accessible administration troubleshooting debugging internet
    wan lan intranet linux windows macos unix
    settings setting address addresses listen values options parameters properties voip telephony
    forward forwarding allow deny permit block software hardware recommendations"""
)


# -- verbs --------------------------------------------------------------------------------

# Verbs of the sentences vendors write about connections; a phrase that starts with one is an
# action ("allow remote agent trigger"), not a name.
VERBS = words_of(
    """communicates communicate contacts contact sends send delivers deliver accepts accept
    submits submit connects connect requests request returns return checks check tries try
    reaches reach uses use launches launch selects select displays display detects detect
    switches switch works work issues issue queries query polls poll pushes push pulls pull
    uploads upload downloads download syncs sync synchronizes synchronize forwards forward
    receives receive opens open establishes establish calls call invokes invoke notifies
    notify replicates replicate talks talk needs need must can will should may is are was
    were has have logs log registers register retrieves retrieve fetches fetch listens listen
    responds respond replies reply transfers transfer writes write reads read updates update
    prints print releases release obtains obtain gets get posts post streams stream
    broadcasts broadcast multicasts multicast scans scan discovers discover authenticates
    authenticate verifies verify initiates initiate starts start runs run executes execute
    then also first attempts attempt looks look provides provide relays relay routes route
    accesses access monitors monitor reports report stores store loads load resolves resolve
    synchronises synchronise pings ping sign signs require requires exposes expose serves
    serve scrapes scrape collects collect distributes distribute allow allows enable
    enables permit permits ensure ensures make makes configure configures set sets transmit
    transmits""",
)


# -- direction ------------------------------------------------------------------------------


class Direction(Enum):
    """Which way a connection goes, relative to a system the document is talking about."""

    IN = "in"  # the system accepts it
    OUT = "out"  # the system opens it
    BOTH = "both"


# English, and the words German, French, Spanish, Italian and Dutch tables use.
_INBOUND = re.compile(
    r"^\s*(?:in|inbound|incoming|ingress|receive|listen(?:ing)?|eingehend|eingang|entrant[e]?"
    r"|entrante|in\s+entrata|inkomend)\b",
    re.I,
)
_OUTBOUND = re.compile(
    r"^\s*(?:out|outbound|outgoing|egress|send|ausgehend|ausgang|sortant[e]?|saliente"
    r"|in\s+uscita|uitgaand)\b",
    re.I,
)
_BOTH = re.compile(
    r"\b(?:both|bi-?directional|two-way|in\s*/\s*out|out\s*/\s*in|inbound\s*(?:/|and)\s*outbound"
    r"|outbound\s*(?:/|and)\s*inbound|incoming\s*(?:/|and)\s*outgoing)\b",
    re.I,
)


def direction_of(text: str) -> Direction | None:
    """The direction a Direction cell or word states ("Inbound", "out", "both"), if any."""
    if _BOTH.search(text):
        return Direction.BOTH
    if _INBOUND.match(text):
        return Direction.IN
    if _OUTBOUND.match(text):
        return Direction.OUT
    return None


DIRECTION_WORDS = words_of(
    """inbound outbound incoming outgoing ingress egress bidirectional bi-directional both in
    out"""
)


# -- arrows ---------------------------------------------------------------------------------

# Two-headed arrows ("Server ↔ Replica") read left to right, as a table row does.
ARROW = re.compile(r"\s*(?:<->|<-->|↔|⟷|⇔|→|->|=>|⇒|➔|➜|⟶|—>|-->|&rarr;)\s*")
BACK_ARROW = re.compile(r"\s*(?:←|<-|<=|⇐|⟵|<--|&larr;)\s*")


def split_arrow(text: str) -> tuple[str, str] | None:
    """ "Console → Server" → ("Console", "Server"); "B ← A" → ("A", "B"); else None."""
    for arrow, forward in ((ARROW, True), (BACK_ARROW, False)):
        parts = [part.strip() for part in arrow.split(text)]
        if len(parts) == 2 and all(parts):
            return (parts[0], parts[1]) if forward else (parts[1], parts[0])
    return None


# -- optional, required, configurable --------------------------------------------------------

# Words without which OPTIONAL cannot match; checked first because most texts lack them.
_OPTIONAL_HINTS = ("option", "only", "if", "when", "not", "debug", "troubleshoot", "rarely")
OPTIONAL = re.compile(
    r"\(\s*if\s+used\s*\)|\(\s*optional\s*\)|\boptional\b|\boptionally\b"
    r"|\bonly\s+(?:for|if|when|required|needed|used|necessary|applicable)\b"
    r"|\bif\s+(?:required|needed|used|enabled|applicable|configured|installed|present|desired"
    r"|using|you\s+(?:use|are\s+using|need|want|choose|enable|set))\b"
    r"|\bwhen\s+using\b|\bnot\s+(?:required|necessary|neccessary|needed|mandatory)\b"
    r"|\bdebug(?:ging)?\b|\btroubleshooting\b|\bonly\s*\)|\brarely\s+used\b"
    r"|\b(?:if|when)\s+(?:\S+\s+){0,4}(?:is|are)\s+(?:enabled|used|installed|deployed|licensed"
    r"|selected|configured|required|needed)\b",
    re.IGNORECASE,
)
REQUIRED = re.compile(r"\brequired\b|\bmandatory\b", re.IGNORECASE)


def is_optional(text: str) -> bool:
    """Whether a note marks something optional or conditional ("(if used)", "only for DSR")."""
    lowered = text.lower()
    return any(hint in lowered for hint in _OPTIONAL_HINTS) and bool(OPTIONAL.search(text))


_CONFIGURABLE_HINTS = (
    "defin",
    "config",
    "default",
    "custom",
    "change",
    "depend",
    "modif",
    "adjust",
)
CONFIGURABLE = re.compile(
    r"user[\s‑-]?defined|\bconfigurable\b|\bdefault\b|\bcustomi[sz]able\b"
    r"|\bcan\s+be\s+(?:changed|configured|modified|adjusted|overridden)\b"
    r"|\bmay\s+be\s+changed\b|\bdepends?\s+(?:up)?on\b|\bdepending\s+on\b",
    re.IGNORECASE,
)


def is_configurable(text: str) -> bool:
    """Whether a note says the port is a default that can change."""
    lowered = text.lower()
    return any(hint in lowered for hint in _CONFIGURABLE_HINTS) and bool(CONFIGURABLE.search(text))
