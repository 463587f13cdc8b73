"""Endpoint clues and the one precedence that picks them.

Each end of a flow is taken from the first clue that names it, in this order (each end
records its clue, shown by ``extract --format table`` and in the JSON evidence):

1. the place itself: a Source/Destination column, an arrow ("A → B"), two endpoint-named port
   columns, the sentence's own subject and object;
2. a direction relative to a system: a Direction column or word ("Inbound", "for outbound")
   with the system the row is about (a Component column) or, failing that, the nearest
   system the context names (in the order of 4.); incoming → that system is the destination,
   outgoing → the source, both → either;
   a list of one system's ports with no direction is what that system listens on;
3. the other end the place's own notes name ("Receiving connections from Network Agents",
   "Required to connect to Salt master", "Required for SUSE Customer Center");
4. ends the context names outright, nearest first: the group-header row, the list items
   above, the caption, the sentence that introduces the table or list, the headings
   (innermost first), then what the document says of all its flows ("traffic is always
   initiated by X to Y"); an introducing sentence that names only a common noun ("open on
   the VM") ranks after the headings, and one that names both ends of another flow lends
   none; what a document says before its first heading counts as its outermost heading;
5. a path the prose described earlier without ports, from or to the one end already known
   ("forward connections from external clients to the BigBlueButton server");
6. for a flow whose source is known and destination is not, the server of the application
   the place names ("NTP" → "NTP server"); for a list of ports nobody is named for, the
   document's subject as the destination.

When an end is already chosen and a context names a pair, the other name of the pair is
taken ("between the Uyuni Server and its clients" under a table about the clients).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from portplan.extract.frames import Frame
from portplan.extract.mentions import End, Mention
from portplan.extract.outline import Context, Outline
from portplan.extract.vocabulary import DETERMINERS, ENTITY_HEADS, Direction


@dataclass(frozen=True)
class Ends:
    src: End | None
    dst: End | None


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def _generic(frame: Frame) -> bool:
    """A frame that names only a common noun ("the VM", "the server"): less telling than a
    heading that names the system."""
    names = [n for n in (frame.src, frame.dst, frame.local) if n]
    return bool(names) and all(len(n.split()) == 1 and n.lower() in ENTITY_HEADS for n in names)


def _context_frames(mention: Mention, context: Context) -> list[tuple[Frame, str]]:
    """Frames in precedence order, nearest first: the mention's own (group row, items
    above), the context's list items, the caption, the sentence that introduces the table or
    list, then the headings from the innermost out. An introducing sentence that only names a
    common noun ("open on the VM") comes after the headings."""
    intro = [item for item in context.intro if not _generic(item[0])]
    weak = [item for item in context.intro if _generic(item[0])]
    return [
        *mention.frames,
        *context.parents,
        *context.caption,
        *intro,
        *context.headings,
        *weak,
    ]


def _apply_local(
    src: End | None, dst: End | None, local: End, direction: Direction | None
) -> tuple[End | None, End | None]:
    if direction is Direction.OUT:
        return src or local, dst
    if direction is Direction.BOTH:
        return src or local, dst or local
    if dst is None:
        return src, local  # incoming, or a list of the system's own ports
    named_by_place = dst.clue.startswith(
        ("column", "arrow", "port column", "notes", "sentence words", "list item words")
    )
    if src is None and named_by_place and not _overlaps(dst.name, local.name):
        return local, dst  # "Central server | Destination | Port": the section's system calls out
    return src, dst


def _stems(name: str) -> set[str]:
    return {
        w[:-1] if len(w) > 3 and w.endswith("s") else w
        for w in re.findall(r"[a-z0-9]+", name.lower())
    }


def _overlaps(a: str, b: str) -> bool:
    """Two names of one system ("Server" and "Uyuni Server", "Client" and "Uyuni Clients")."""
    first, second = _stems(a), _stems(b)
    return bool(first) and bool(second) and (first <= second or second <= first)


def _apply_pair(
    src: End | None, dst: End | None, frame: Frame, clue: str
) -> tuple[End | None, End | None]:
    """Fill an open end from a frame; where the frame's name for that end is already the
    other end, its other name is meant ("between the server and its clients")."""
    reciprocal = bool(frame.src) and _same(frame.src, frame.dst)
    if src is None and frame.src:
        if dst is not None and _same(dst.name, frame.src) and not reciprocal:
            src = End(frame.dst, clue) if frame.dst else None
        else:
            src = End(frame.src, clue)
    if dst is None and frame.dst:
        if src is not None and _same(src.name, frame.dst) and not reciprocal:
            dst = End(frame.src, clue) if frame.src and not _same(frame.src, src.name) else None
        else:
            dst = End(frame.dst, clue)
    return src, dst


def _context_direction(mention: Mention, frames: list[tuple[Frame, str]]) -> Direction | None:
    """The mention's own direction, else the nearest one its context states."""
    if mention.direction is not None:
        return mention.direction
    return next((frame.direction for frame, _ in frames if frame.direction is not None), None)


def _statement(
    src: End | None, dst: End | None, frame: Frame, clue: str, direction: Direction | None
) -> tuple[End | None, End | None]:
    """What the document says of all its flows ("initiated by the Agent to Datadog"): under an
    Inbound heading its source is the system that receives."""
    if direction is Direction.IN and frame.src:
        return src, dst or End(frame.src, clue)
    if src is None and frame.src and dst is None:
        return End(frame.src, clue), None  # the source first: the row's notes may name its peer
    return _apply_pair(src, dst, frame, clue)


def resolve(mention: Mention, context: Context, outline: Outline, subject: str) -> Ends:
    """Both ends of one mention, each with the clue that gave it."""
    src, dst = mention.src, mention.dst
    if src is not None and dst is not None:
        return Ends(src, dst)
    frames = _context_frames(mention, context)
    direction = _context_direction(mention, frames)
    if mention.local is not None:
        src, dst = _apply_local(src, dst, mention.local, direction or mention.implied_direction)
    peers_used = False
    for frame, clue in frames:
        if src is not None and dst is not None:
            break
        if peers_used or not (frame.local or frame.src or frame.dst):
            src, dst = _apply_frame(src, dst, frame, clue, mention, direction, outline)
            continue
        # The nearest context that says anything goes first, then the mention's own notes.
        src, dst = _apply_frame(src, dst, frame, clue, mention, direction, outline)
        src, dst, peers_used = _apply_peers(src, dst, mention)
    if not peers_used:
        src, dst, _ = _apply_peers(src, dst, mention)
    for frame, clue in outline.statements:
        src, dst = _statement(src, dst, frame, clue, direction)
        src, dst, _ = _apply_peers(src, dst, mention)
        src, dst = _statement(src, dst, frame, clue, direction)
    if (src is None) != (dst is None):
        src, dst = _along_path(src, dst, mention, outline)
    return _last_resorts(src, dst, mention, subject, direction or mention.implied_direction)


def _along_path(
    src: End | None, dst: End | None, mention: Mention, outline: Outline
) -> tuple[End | None, End | None]:
    """One end known: a path the prose described earlier to (or from) that system gives the
    other ("from external clients to the BigBlueButton server" for "to BigBlueButton")."""
    earlier = [path for path in outline.paths if path[2] < mention.line]
    for frame, clue, _ in reversed(earlier):
        if dst is not None and _same_system(dst.name, frame.dst):
            return End(frame.src, clue), dst
        if src is not None and _same_system(src.name, frame.src):
            return src, End(frame.dst, clue)
    return src, dst


def _same_system(one: str, other: str) -> bool:
    """Whether two names name one system: the words of one are among the other's
    ("BigBlueButton", "the internal BigBlueButton server")."""
    a, b = _name_words(one), _name_words(other)
    return bool(a) and bool(b) and (a <= b or b <= a)


def _name_words(name: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in DETERMINERS)


def _apply_peers(
    src: End | None, dst: End | None, mention: Mention
) -> tuple[End | None, End | None, bool]:
    src, dst = src or mention.peer_src, dst or mention.peer_dst
    if mention.peer_other is not None and (src is None) != (dst is None):
        if src is None:
            src = mention.peer_other
        else:
            dst = mention.peer_other
    return src, dst, True


def _apply_frame(
    src: End | None,
    dst: End | None,
    frame: Frame,
    clue: str,
    mention: Mention,
    direction: Direction | None,
    outline: Outline,
) -> tuple[End | None, End | None]:
    if (
        clue.startswith("sentence line")
        and frame.src
        and frame.dst
        and _other_flow(src, dst, frame)
    ):
        return src, dst  # the sentence before describes another flow, not this one's context
    src, dst = _apply_pair(src, dst, frame, clue)
    one = frame.dst if not frame.src else frame.src if not frame.dst else ""
    if one and not frame.local and clue.startswith(("heading", "title")):
        # "Inbound to the Payroll Server" over "TCP/UDP 53 to the DNS servers": the section's
        # system is the item's other end, whichever way the item goes.
        frame = replace(frame, local=one)
    if frame.local and (src is None or dst is None):
        own = mention.direction or frame.direction or direction or mention.implied_direction
        if own is None and clue.startswith(("heading", "title")) and outline.headings_incoming:
            own = Direction.IN
        src, dst = _apply_local(src, dst, End(frame.local, clue), own)
    return src, dst


def _other_flow(src: End | None, dst: End | None, frame: Frame) -> bool:
    """Whether a frame naming both ends is about a different flow than one with these ends."""
    known = dst if src is None else src if dst is None else None
    if known is None:
        return False
    return not _overlaps(known.name, frame.dst) and not _overlaps(known.name, frame.src)


def _last_resorts(
    src: End | None,
    dst: End | None,
    mention: Mention,
    subject: str,
    direction: Direction | None,
) -> Ends:
    if dst is None and src is not None and mention.service:
        dst = End(f"{mention.service} server", "service named in the row")
    if dst is None and src is None and subject and not mention.no_port:
        # The document's system listens on its ports, and opens those said to go outbound.
        if direction is Direction.OUT:
            src = End(subject, "document subject")
        else:
            dst = End(subject, "document subject")
    if src is None and mention.kind == "target" and subject:
        src = End(subject, "document subject")
    return Ends(src, dst)
