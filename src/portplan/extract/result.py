"""What extraction produces: flows with evidence, lines it could not use, and notices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """The document, line and text a flow was read from, and which clue gave each end
    ("column Source", "heading line 42", "document subject"; "" when the end is blank)."""

    file: str
    line: int
    text: str
    src_from: str = ""
    dst_from: str = ""
    protocol_from: str = ""  # where the protocol came from when the document did not write it


@dataclass(frozen=True)
class ExtractedFlow:
    """One requirement as the document states it; ``ports`` are destination ports."""

    src: str
    dst: str
    protocols: tuple[str, ...]
    ports: tuple[str, ...]
    purpose: str
    optional: bool
    configurable: bool
    evidence: Evidence
    section: str | None = None  # the heading the flow sits under (a feature candidate)

    def as_json(self) -> dict[str, object]:
        evidence: dict[str, object] = {
            "file": self.evidence.file,
            "line": self.evidence.line,
            "text": self.evidence.text,
        }
        if self.evidence.src_from:
            evidence["src_from"] = self.evidence.src_from
        if self.evidence.dst_from:
            evidence["dst_from"] = self.evidence.dst_from
        if self.evidence.protocol_from:
            evidence["protocol_from"] = self.evidence.protocol_from
        return {
            "src": self.src,
            "dst": self.dst,
            "protocols": list(self.protocols),
            "ports": list(self.ports),
            "purpose": self.purpose,
            "optional": self.optional,
            "configurable": self.configurable,
            "evidence": evidence,
        }


@dataclass(frozen=True)
class Unparsed:
    """A line that mentions something port-like but did not become a flow, and why."""

    line: int
    text: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class Extraction:
    document: str
    flows: tuple[ExtractedFlow, ...]
    unparsed: tuple[Unparsed, ...]
    notices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "flows": [flow.as_json() for flow in self.flows],
            "unparsed": [item.as_json() for item in self.unparsed],
        }
