"""Mentions: a service a document states at one place, with what that place itself says.

A table row, a list item, a sentence, a definition or a firewall command that names ports
becomes a :class:`Mention`. It carries the ends the place names itself (a Source column, an
arrow, the sentence's subject), the direction it states relative to a system ("Inbound", "for
outbound"), the system it is about (a Component column), and the peer its notes name ("from
the agents"). Which end comes from where is decided by :mod:`.resolve`, which adds what the
context says (group rows, headings, captions, the sentence before) in one documented order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portplan.extract.frames import Frame
from portplan.extract.ports import PortGroup
from portplan.extract.vocabulary import Direction


@dataclass(frozen=True)
class End:
    """An endpoint name and the clue that gave it ("column Source", "heading line 42")."""

    name: str
    clue: str


@dataclass(frozen=True)
class Mention:
    """One statement of services at one place of the document.

    ``groups`` are the services (one flow per group); an empty ``groups`` with
    ``no_port=True`` is a requirement without a port ("access to updates.example.com").
    """

    groups: tuple[PortGroup, ...]
    line: int
    text: str
    block: int  # index of the block in the structured document (its context)
    kind: str  # "row", "item", "sentence", "definition", "command", "heading"
    purpose: str = ""
    src: End | None = None
    dst: End | None = None
    direction: Direction | None = None
    local: End | None = None  # the system the place is about (a Component column)
    # The other end the place's notes name: "Receiving connections from Network Agents" gives a
    # source, "Required to connect to Salt master" or "Required for SUSE Customer Center" a
    # destination.
    peer_src: End | None = None
    peer_dst: End | None = None
    implied_direction: Direction | None = None  # what the notes imply (weaker than stated)
    peer_other: End | None = None  # "the port for Prometheus": the end that is still open
    service: str = ""  # the application the place names ("NTP"), for "NTP server" as a last resort
    optional: bool = False
    configurable: bool = False
    protocol_stated: bool = True
    no_port: bool = False
    # Frames that only this mention sees: the group-header row above a table row, the list
    # items above a nested item (nearest first).
    frames: tuple[tuple[Frame, str], ...] = field(default_factory=tuple)
    section: str | None = None
