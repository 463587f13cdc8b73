"""extract_flows: a Document in, every flow it states out (plus what could not be used).

    blocks   = structure(document)          # readers' blocks + text read by the block rules
    outline  = outline(blocks)              # what surrounds each block: headings, captions, …
    mentions = tables, text, commands       # services stated at one place, with its own ends
    ends     = resolve(mention, context)    # the clue precedence fills the ends left blank
    flows    = one flow per service group, with the clue that gave each end in its evidence

A last pass lists every line that names port numbers but fed no flow, so nothing a reader
could act on disappears silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from portplan.extract.commands import command_mention, looks_like_command, read_command
from portplan.extract.document import (
    Caption,
    CodeBlock,
    DefinitionItem,
    Document,
    Heading,
    ListItem,
    Paragraph,
    StructuredBlock,
    Table,
    TextLine,
)
from portplan.extract.mentions import Mention
from portplan.extract.outline import Context, Outline, outline
from portplan.extract.ports import PortGroup, names_port_numbers
from portplan.extract.resolve import Ends, resolve
from portplan.extract.result import Evidence, ExtractedFlow, Extraction, Unparsed
from portplan.extract.structure import structure
from portplan.extract.subject import document_subject, document_transport
from portplan.extract.table import read_table
from portplan.extract.text import TextReader
from portplan.extract.vocabulary import WELL_KNOWN_PORTS, sort_protocols


@dataclass
class _Found:
    mentions: list[Mention] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _read_blocks(blocks: Sequence[StructuredBlock], shape: Outline) -> _Found:
    found = _Found()
    text = TextReader(blocks, shape.contexts)
    for index, block in enumerate(blocks):
        if isinstance(block, Table):
            reading = read_table(block, index, inherit_names=shape.inherit_names)
            found.mentions.extend(reading.mentions)
            found.unparsed.extend(reading.unparsed)
            found.used.update(reading.used)
            if reading.used and block.lines:
                # The lines between two rows are the upper row's cell text run over lines.
                found.used.update(range(min(block.lines), max(block.lines) + 1))
            if reading.orphans:
                text.paragraph(Paragraph(tuple(reading.orphans)), index)
        elif isinstance(block, CodeBlock):
            found.mentions.extend(_commands(block.lines, index))
        elif isinstance(block, Paragraph):
            commands = list(_commands(block.lines, index))
            if commands:
                found.mentions.extend(commands)
            else:
                text.paragraph(block, index)
        elif isinstance(block, ListItem):
            text.item(block, index)
        elif isinstance(block, DefinitionItem):
            text.definition(block, index)
        elif isinstance(block, Heading):
            text.heading(block, index)
    found.mentions.extend(text.reading.mentions)
    found.unparsed.extend(text.reading.unparsed)
    found.used.update(text.reading.used)
    found.used.update(m.line for m in found.mentions)
    return found


def _commands(lines: Sequence[TextLine], index: int) -> Iterator[Mention]:
    for line in lines:
        if looks_like_command(line.text):
            for rule in read_command(line.text):
                yield command_mention(rule, line.line, line.text.strip(), index)


_Stated = dict[tuple[int, int], set[tuple[str, ...]]]


def _stated_transports(mentions: Sequence[Mention]) -> _Stated:
    """Each port (span) with the transports the document writes beside it anywhere."""
    stated: _Stated = {}
    for mention in mentions:
        for group in mention.groups:
            if group.protocols and group.explicit:
                for span in group.ports:
                    stated.setdefault(span, set()).add(group.protocols)
    return stated


def _protocols(
    group: PortGroup, default: tuple[tuple[str, ...], str], stated: _Stated
) -> tuple[tuple[str, ...], str]:
    """The group's protocols and, when the document did not write them, where they came
    from: a service the text names ("JMX over RMI"), the same port written with its transport
    elsewhere in the document (a summary sentence over the table that details it), the
    well-known service of every port, the document's one transport — else none (and a
    notice says so)."""
    if group.protocols:
        return group.protocols, "" if group.explicit else "a service the text names"
    elsewhere = {frozenset(stated.get(span, ())) for span in group.ports}
    if len(elsewhere) == 1 and all(len(found) == 1 for found in elsewhere):
        (written,) = next(iter(elsewhere))
        return written, "the same port written with its transport elsewhere in the document"
    known = {WELL_KNOWN_PORTS.get(lo) if lo == hi else None for lo, hi in group.ports}
    if len(known) == 1 and None not in known:
        found = known.pop()
        assert found is not None
        return sort_protocols(found), "the well-known service of the port"
    if default[0]:
        return default
    return (), ""


def _optional(mention: Mention, context: Context) -> bool:
    # A table's caption speaks for it instead of the headings above; of the headings, the
    # innermost and the marked-up ones around it (plain titles may belong to other sections).
    headings = [
        item for n, item in enumerate(context.headings) if n == 0 or item[1].startswith("heading")
    ]
    frames = [*mention.frames, *context.parents, *(context.caption or headings)]
    if mention.kind == "target":
        frames.extend(context.intro[:1])
    return mention.optional or any(frame.optional for frame, _ in frames)


def _flows(
    mention: Mention,
    ends: Ends,
    context: Context,
    name: str,
    default: tuple[tuple[str, ...], str],
    transports: _Stated,
) -> Iterator[ExtractedFlow]:
    groups = mention.groups or (PortGroup((), ()),)
    for group in groups:
        stated = group.ports or group.protocols or mention.kind == "row"
        protocols, reason = _protocols(group, default, transports) if stated else ((), "")
        evidence = Evidence(
            name,
            mention.line,
            mention.text,
            ends.src.clue if ends.src else "",
            ends.dst.clue if ends.dst else "",
            reason,
        )
        yield ExtractedFlow(
            src=ends.src.name if ends.src else "",
            dst=ends.dst.name if ends.dst else "",
            protocols=protocols,
            ports=tuple(group.port_strings()),
            purpose=mention.purpose,
            optional=_optional(mention, context),
            configurable=mention.configurable,
            evidence=evidence,
            section=context.section,
        )


def _leftovers(
    document: Document, blocks: Sequence[StructuredBlock], covered: set[int]
) -> Iterator[Unparsed]:
    """Lines that name ports with numbers but fed no flow and no unparsed entry."""
    for line in _text_lines(document, blocks):
        if line.line in covered or not names_port_numbers(line.text):
            continue
        yield Unparsed(
            line.line,
            line.text.strip(),
            "names port numbers, but no flow could be read from the line",
        )


def _text_lines(document: Document, blocks: Sequence[StructuredBlock]) -> Iterator[TextLine]:
    seen: set[int] = set()
    for block in document.blocks:
        if isinstance(block, TextLine) and block.line not in seen:
            seen.add(block.line)
            yield block
    for block in blocks:
        lines: tuple[TextLine, ...] = ()
        if isinstance(block, Paragraph | ListItem | CodeBlock):
            lines = block.lines
        elif isinstance(block, DefinitionItem):
            lines = (block.term, *block.lines)
        elif isinstance(block, Heading | Caption):
            lines = (TextLine(block.line, block.text),)
        for line in lines:
            if line.line not in seen:
                seen.add(line.line)
                yield line


def _lines(numbers: set[int]) -> str:
    ordered = sorted(numbers)
    return ", ".join(str(n) for n in ordered[:10]) + (" …" if len(ordered) > 10 else "")


def _protocol_notices(name: str, flows: Sequence[ExtractedFlow]) -> Iterator[str]:
    """No protocol is ever assumed silently: lines whose ports state none are listed."""
    unstated = {f.evidence.line for f in flows if f.ports and not f.protocols}
    if unstated:
        yield (
            f"{name}: no protocol stated for the ports on line(s) {_lines(unstated)}"
            " — check them and add tcp or udp"
        )
    by_reason: dict[str, set[int]] = {}
    for flow in flows:
        if flow.evidence.protocol_from and flow.ports:
            by_reason.setdefault(flow.evidence.protocol_from, set()).add(flow.evidence.line)
    for reason, lines in sorted(by_reason.items()):
        shown = (
            "+".join(
                sorted(
                    {p for f in flows if f.evidence.protocol_from == reason for p in f.protocols}
                )
            )
            or "?"
        )
        yield (
            f"{name}: line(s) {_lines(lines)} state no protocol; read as {shown} ({reason})"
            " — check them"
        )


def extract_flows(document: Document) -> Extraction:
    """Every flow the document states, with evidence; port-like lines not understood are listed."""
    blocks = structure(document)
    shape: Outline = outline(blocks)
    subject = document_subject(blocks)
    default = document_transport(blocks)
    found = _read_blocks(blocks, shape)
    flows: list[ExtractedFlow] = []
    transports = _stated_transports(found.mentions)
    for mention in sorted(found.mentions, key=lambda m: (m.line, m.block)):
        context = shape.contexts[mention.block]
        ends = resolve(mention, context, shape, subject)
        flows.extend(_flows(mention, ends, context, document.name, default, transports))
    covered = found.used | {item.line for item in found.unparsed}
    unparsed = sorted(
        [*found.unparsed, *_leftovers(document, blocks, covered)], key=lambda u: u.line
    )
    notices: list[str] = []
    if not flows:
        notices.append(f"{document.name}: no port requirements found in this document")
    notices.extend(_protocol_notices(document.name, flows))
    return Extraction(document.name, tuple(flows), tuple(unparsed), tuple(notices))
