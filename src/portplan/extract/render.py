"""``--format table``: the extracted flows as a rich table, for reading in a terminal."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from portplan.extract.result import Extraction


def render_table(extractions: Sequence[Extraction]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, force_terminal=False, color_system=None)
    for extraction in extractions:
        table = Table(title=f"{extraction.document}: {len(extraction.flows)} flows")
        for column in ("line", "source", "destination", "service", "purpose", "flags"):
            table.add_column(column, overflow="fold")
        for flow in extraction.flows:
            service = "+".join(flow.protocols) or "?"
            if flow.ports:
                service += "/" + ",".join(flow.ports)
            flags = ", ".join(
                name
                for name, on in (("optional", flow.optional), ("configurable", flow.configurable))
                if on
            )
            table.add_row(
                str(flow.evidence.line), flow.src, flow.dst, service, flow.purpose[:80], flags
            )
        console.print(table)
        if extraction.unparsed:
            skipped = Table(
                title=f"{extraction.document}: {len(extraction.unparsed)} lines not used"
            )
            skipped.add_column("line")
            skipped.add_column("text", overflow="fold")
            skipped.add_column("reason", overflow="fold")
            for item in extraction.unparsed:
                skipped.add_row(str(item.line), item.text[:100], item.reason)
            console.print(skipped)
    return buffer.getvalue()
