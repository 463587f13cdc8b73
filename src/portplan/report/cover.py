"""The cover of a report a change board signs: what was planned, from which files, by which
portplan, when — and the ticket, owner, justification and approver fields (blank ones are
printed blank, to be filled in by hand). The diff's change request uses the same fields."""

from __future__ import annotations

from dataclasses import dataclass

from portplan import __version__


@dataclass(frozen=True)
class ChangeRequest:
    """The fields a change board asks for; empty ones are printed blank to be filled in."""

    ticket: str = ""
    owner: str = ""
    justification: str = ""
    approver: str = ""


@dataclass(frozen=True)
class InputFile:
    """A file the report was made from, and its SHA-256 (so the board approves these bytes)."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Cover:
    deployment: str
    description: str = ""
    version: str = __version__
    date: str = ""  # ISO date the report was made; blank when not known
    inputs: tuple[InputFile, ...] = ()
    request: ChangeRequest = ChangeRequest()

    def fields(self) -> list[tuple[str, str]]:
        """(label, value) in the order a cover sheet shows them."""
        rows = [
            ("Deployment", self.deployment),
            ("Description", self.description),
            ("Made by", f"portplan {self.version}"),
            ("Date", self.date),
            ("Ticket", self.request.ticket),
            ("Owner", self.request.owner),
            ("Justification", self.request.justification),
            ("Approver", self.request.approver),
            ("Decision", "☐ approved  ☐ rejected"),
            ("Signature and date", ""),
        ]
        return [(label, value) for label, value in rows if value or label != "Description"]
