"""Records written as labelled fields, one per line or several on one line:

    Source: PowerCenter server
    Destination: UPS network cards
    Service: SNMP (UDP 161)

    Telemetry: From: Kiln gateways, To: Kiln Cloud, Protocol: TCP, Port: 443

Each record becomes a two-row table (labels, values), read like any other table. A record
needs a port field (or a field whose value states a port) and one end (a Source/Destination
label, or any label whose value is "A -> B").
"""

from __future__ import annotations

import re

from portplan.extract.columns import ColumnRole, column_role
from portplan.extract.ports import parse_ports
from portplan.extract.structure.base import LineState, RuleMatch
from portplan.extract.structure.cells import make_table
from portplan.extract.vocabulary import split_arrow

_KEY_VALUE = re.compile(r"^(?:[-*•]\s*)?([A-Za-z][A-Za-z ()/]{0,30}?)\s*:\s+(\S.*)$")
# Fields written on one line: split at ", Key:" / "; Key:".
_INLINE_FIELD_SPLIT = re.compile(r"[,;]\s*(?=[A-Za-z][\w ()/]{0,30}:\s)")
_LABELLED_FIRST_FIELD = re.compile(r"^(.{1,60}?):\s*([A-Za-z][\w ()/]{0,30}):\s*(.+)$")


def _field(text: str) -> tuple[str, str] | None:
    match = _KEY_VALUE.match(text.strip()) if "\t" not in text else None
    if match is None:
        return None
    key, value = match.group(1).strip(), match.group(2).strip()
    if column_role(key) is ColumnRole.OTHER and split_arrow(value) is None:
        return None  # "Connection: Web tier -> App tier" names both ends under any label
    return key, value


def _table_of(fields: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    roles = [column_role(key) for key, _ in fields]
    if ColumnRole.PORT not in roles:
        for i, (_, value) in enumerate(fields):
            if parse_ports(value, numbers_are_ports=False).has_ports:
                fields[i] = ("Port", value)
                roles[i] = ColumnRole.PORT
                break
    ends = ColumnRole.SOURCE in roles or ColumnRole.DESTINATION in roles
    ends = ends or any(
        role is ColumnRole.OTHER and split_arrow(v) is not None
        for role, (_, v) in zip(roles, fields, strict=True)
    )
    return fields if ColumnRole.PORT in roles and ends else None


def field_record(state: LineState, start: int) -> RuleMatch | None:
    """Consecutive "Label: value" lines that make one connection."""
    fields: list[tuple[str, str]] = []
    index = start
    while index < len(state):
        found = _field(state.text(index))
        if found is None or any(found[0].lower() == key.lower() for key, _ in fields):
            break
        fields.append(found)
        index += 1
    if len(fields) < 2:
        return None
    record = _table_of(fields)
    if record is None:
        return None
    line, source = state.lines[start].line, state.text(start).strip()
    table = make_table(
        [[k for k, _ in record], [v for _, v in record]], [line, line], [source, source]
    )
    return RuleMatch((table,), index)


def inline_record(state: LineState, start: int) -> RuleMatch | None:
    """ "Telemetry: From: Kiln gateways, To: Kiln Cloud, Protocol: TCP, Port: 443"."""
    text = state.text(start).strip()
    if text.count(":") < 3:
        return None
    parts = _INLINE_FIELD_SPLIT.split(text)
    if len(parts) < 3:
        return None
    label = ""
    labelled = _LABELLED_FIRST_FIELD.match(parts[0])
    if labelled and column_role(labelled.group(2)) is not ColumnRole.OTHER:
        label, parts[0] = labelled.group(1).strip(), f"{labelled.group(2)}: {labelled.group(3)}"
    fields = [(key.strip(), value.strip()) for key, _, value in (p.partition(":") for p in parts)]
    roles = [column_role(key) for key, _ in fields]
    known = [r for r in roles if r is not ColumnRole.OTHER]
    if len(known) < 3 or not (ColumnRole.SOURCE in roles or ColumnRole.DESTINATION in roles):
        return None
    if ColumnRole.PORT not in roles:
        return None
    if label:
        fields.append(("Purpose", label))
    line = state.lines[start].line
    table = make_table([[k for k, _ in fields], [v for _, v in fields]], [line, line], [text, text])
    return RuleMatch((table,), start + 1)
