"""Build the binary documents of the extraction corpus (PDF, DOCX, XLSX) from source.

The committed ``corpus/*.pdf|docx|xlsx`` files are conveniences for running the scorer by hand;
the tests rebuild each one into a temporary directory with these functions, so the generator —
not the binary — is what the tests trust. Refresh the committed copies with:

    .venv/bin/python tests/extract/corpus_build.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent / "corpus"


def build_helix_nac_pdf(path: Path) -> None:
    """A two-page NAC guide: a ruled table on page 1, an unruled text table on page 2."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table
    from reportlab.platypus.flowables import Flowable

    styles = getSampleStyleSheet()
    ruled = [
        ["Service", "Protocol", "Port", "From", "To"],
        ["RADIUS authentication", "UDP", "1812", "Network switches", "Helix Policy Node"],
        ["RADIUS accounting", "UDP", "1813", "Network switches", "Helix Policy Node"],
        ["RADIUS change of authorization", "UDP", "3799", "Helix Policy Node", "Network switches"],
        ["SNMP polling", "UDP", "161", "Helix Policy Node", "Network switches"],
        ["SNMP traps", "UDP", "162", "Network switches", "Helix Policy Node"],
        [
            "Captive portal",
            "TCP",
            "8080 (HTTP) / 8443 (HTTPS)",
            "Guest devices",
            "Helix Policy Node",
        ],
        ["Administration GUI", "TCP", "443", "Administrator workstations", "Helix Manager"],
        ["Cluster synchronisation", "TCP", "7800-7802", "Helix Policy Node", "Helix Manager"],
        ["DHCP profiling", "UDP", "67", "DHCP relays (IP helper)", "Helix Policy Node"],
    ]
    table = Table(ruled, repeatRows=1)
    table.setStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
        ]
    )

    class TextTable(Flowable):  # type: ignore[misc]
        """Columns placed by x position only, without rules, as many vendor PDFs do."""

        columns = (0, 150, 300, 380)
        rows = (
            ("Source", "Destination", "Port", "Purpose"),
            ("Helix Policy Node", "Perimeter firewalls", "TCP 443", "User-ID mapping updates"),
            ("Helix Manager", "SIEM", "UDP 514", "Audit log export"),
            ("Helix Manager", "MDM server", "TCP 443", "Device compliance lookups"),
            ("Helix Policy Node", "Domain controllers", "TCP 389/636", "LDAP / LDAPS identity"),
        )

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return available_width, 16.0 * len(self.rows)

        def draw(self) -> None:
            canvas = self.canv
            for index, row in enumerate(self.rows):
                y = 16.0 * (len(self.rows) - index - 1)
                canvas.setFont("Helvetica-Bold" if index == 0 else "Helvetica", 9)
                for x, text in zip(self.columns, row, strict=True):
                    canvas.drawString(x, y, text)

    story = [
        Paragraph("Helix NAC 2.3 — Port Requirements", styles["Title"]),
        Paragraph(
            "Helix NAC authenticates every device that joins the network. This guide lists the "
            "ports that must be open between the Helix Manager, the Helix Policy Nodes and the "
            "network infrastructure.",
            styles["BodyText"],
        ),
        Spacer(1, 12),
        Paragraph("Table 1: Core ports", styles["Heading2"]),
        table,
        Spacer(1, 12),
        Paragraph(
            "Helix Policy Nodes also resolve endpoint names with the DNS servers on TCP/UDP 53.",
            styles["BodyText"],
        ),
        PageBreak(),
        Paragraph("Optional integrations", styles["Heading2"]),
        Paragraph(
            "Open these ports only for the integrations you use.",
            styles["BodyText"],
        ),
        Spacer(1, 8),
        TextTable(),
    ]
    document = SimpleDocTemplate(str(path), pagesize=A4, invariant=1, title="Helix NAC 2.3")
    document.build(story)


def build_portcullis_access_docx(path: Path) -> None:
    """A badge-access guide: paragraphs, and a table listed from both ends with merged cells."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Portcullis Access 8 — Network requirements"
    document.add_heading("Portcullis Access 8 — Network requirements", level=1)
    document.add_paragraph(
        "Portcullis Access controls doors, turnstiles and elevators. The Portcullis Server holds "
        "the card database and talks to the door controllers on every floor. The table lists "
        "each connection from both ends; the server side is the one that listens."
    )
    document.add_heading("Controller and client communication", level=2)
    rows = [
        ("Client", "Client port", "Server", "Server port", "Protocol", "Notes"),
        (
            "Door controllers",
            "ephemeral",
            "Portcullis Server",
            "4050",
            "TCP",
            "Encrypted controller link",
        ),
        ("", "ephemeral", "Portcullis Server", "4051", "UDP", "Alarm and event messages"),
        (
            "Portcullis Server",
            "ephemeral",
            "Door controllers",
            "4060",
            "TCP",
            "Firmware updates and card database download",
        ),
        ("Badge enrolment station", "any", "Portcullis Server", "443", "TCP", "Enrolment client"),
        (
            "Portcullis Server",
            "any",
            "SQL Server",
            "1433 (default)",
            "TCP",
            "Access database; named instances use the port configured in SQL Server",
        ),
        (
            "Visitor kiosk",
            "ephemeral",
            "Portcullis Server",
            "8443",
            "TCP",
            "Visitor self sign-in (optional)",
        ),
        ("Elevator integration (optional module)", "", "", "", "", ""),
        (
            "Portcullis Server",
            "ephemeral",
            "Elevator controllers",
            "10001",
            "TCP",
            "Floor access for elevator cars",
        ),
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                table.cell(r, c).text = value
    # "Door controllers" spans its two rows; the section row spans the whole width.
    table.cell(1, 0).merge(table.cell(2, 0))
    section = len(rows) - 2
    table.cell(section, 0).merge(table.cell(section, len(rows[0]) - 1))
    document.add_paragraph("Door controllers also query the NTP server on UDP 123.")
    document.add_heading("Optional: Mobile credentials", level=2)
    document.add_paragraph(
        "When mobile credentials are enabled, the Portcullis Server connects to the Portcullis "
        "Mobile Cloud on TCP 443."
    )
    document.save(str(path))


def build_strata_db_xlsx(path: Path) -> None:
    """A database cluster matrix: a title row, vertically merged cells, numeric ports."""
    from openpyxl import Workbook

    workbook = Workbook()
    history = workbook.active
    history.title = "Revision history"
    history.append(["Version", "Date", "Change"])
    history.append(["1.0", "2023-05-02", "First release"])
    history.append(["1.1", "2024-01-15", "Added the load balancer health check"])

    sheet = workbook.create_sheet("Firewall matrix")
    sheet.append(["StrataDB 6 cluster — firewall matrix"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["From", "To", "Protocol", "Port", "Notes"])
    body: list[list[object]] = [
        ["Application servers", "StrataDB nodes", "TCP", 6432, "Client connections (SQL)"],
        [None, "StrataDB load balancer", "TCP", 6433, "Client connections via the load balancer"],
        ["StrataDB nodes", "StrataDB nodes", "TCP", "7000-7002", "Replication and consensus"],
        [None, "StrataDB nodes", "TCP", 7199, "Cluster management (JMX)"],
        [None, "Backup server", "TCP", 10000, "Streaming backups (if configured)"],
        ["DBA workstations", "StrataDB nodes", "TCP", 22, "SSH administration"],
        ["Monitoring server", "StrataDB nodes", "TCP", 9187, "Metrics exporter (optional)"],
        [
            "StrataDB load balancer",
            "StrataDB nodes",
            "TCP",
            8008,
            "Health check (leader detection)",
        ],
    ]
    for row in body:
        sheet.append(row)
    sheet.merge_cells("A4:A5")  # Application servers
    sheet.merge_cells("A6:A8")  # StrataDB nodes
    sheet["D8"].number_format = "#,##0"  # shown as 10,000 in Excel; the value stays 10000
    workbook.save(str(path))


def build_orbit_engine_pdf(path: Path) -> None:
    """An integration engine guide: a ruled table with wrapped cells that runs onto the next
    page without repeating its header, running footers, then numbered steps."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    rows = [
        (
            "EHR system",
            "Orbit Engine",
            "TCP",
            "6661",
            "Inbound HL7 v2 ADT and order messages over MLLP from the EHR system",
        ),
        ("Orbit Engine", "EHR system", "TCP", "6662", "Outbound HL7 acknowledgements and results"),
        (
            "Orbit Engine",
            "PACS",
            "TCP",
            "104",
            "DICOM C-STORE / C-FIND (default DICOM port, configurable per AE title)",
        ),
        ("Modalities", "Orbit Engine", "TCP", "11112", "DICOM worklist queries"),
        ("Orbit Engine", "Orbit Database", "TCP", "1433", "Message store (SQL Server)"),
        ("Orbit Console", "Orbit Engine", "TCP", "8443", "Administration console (HTTPS)"),
        (
            "Orbit Engine",
            "Orbit Engine (peer node)",
            "TCP",
            "5701-5703",
            "Cluster membership and message state replication",
        ),
        ("Orbit Engine", "SMTP relay", "TCP", "587", "Alert e-mails"),
        ("Lab system", "Orbit Engine", "TCP", "6670", "Lab results feed"),
        ("Orbit Engine", "Billing system", "TCP", "6680", "Charge messages"),
        ("Orbit Engine", "FHIR server", "TCP", "443", "FHIR R4 REST API calls"),
        ("Monitoring server", "Orbit Engine", "TCP", "9404", "Prometheus metrics (optional)"),
        ("Orbit Engine", "NTP server", "UDP", "123", "Time synchronisation"),
        ("Orbit Engine", "Active Directory", "TCP", "636", "LDAPS console sign-in"),
    ]
    data = [["Source", "Destination", "Protocol", "Port", "Notes"]]
    data += [[Paragraph(text, cell) for text in row] for row in rows]
    table = Table(data, colWidths=(85, 95, 50, 60, 180), repeatRows=0)
    table.setStyle(
        [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    intro = (
        "The Orbit Interface Engine routes clinical messages between the hospital systems. "
        "Each Orbit Engine node runs the message router, the DICOM gateway and the REST "
        "services; the Orbit Console is the administration client. Before installation, "
        "make sure the connections in the following table are allowed by every firewall on "
        "the path. "
    )

    def footer(canvas: Any, document: Any) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(
            72, 30, f"Orbit Interface Engine 4 - Port reference - page {document.page}"
        )

    story: list[Any] = [
        Paragraph("Orbit Interface Engine 4", styles["Title"]),
        Paragraph("Port reference", styles["Heading2"]),
    ]
    story += [Paragraph(intro * 3, styles["BodyText"]) for _ in range(3)]
    story += [Spacer(1, 8), table, Spacer(1, 12), Paragraph("Order workflow", styles["Heading2"])]
    for text in (
        "1. The Orbit Engine forwards each new order to the lab system on TCP 6671.",
        "2. The lab system connects to the Orbit Engine over HTTPS (TCP 8444) to return the "
        "specimen status.",
    ):
        story.append(Paragraph(text, styles["BodyText"]))
    document = SimpleDocTemplate(
        str(path), pagesize=A4, invariant=1, title="Orbit Interface Engine 4"
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def build_ember_kiosk_docx(path: Path) -> None:
    """A kiosk manager guide: Word numbered steps, a prose statement and a small table."""
    import docx

    document = docx.Document()
    document.add_heading("Ember Kiosk Manager 3 — Network connections", level=1)
    document.add_heading("How Ember kiosks connect", level=2)
    for text in (
        "The kiosk contacts the Ember Cloud portal over HTTPS (TCP 443) to fetch its profile.",
        "The kiosk then connects to the on-site Ember Relay on TCP 7443 to download content.",
        "The Ember Relay checks the kiosk's health with SNMP (UDP 161).",
        "Kiosks with a payment terminal send transactions to the payment gateway on TCP 8583 "
        "(only if payments are enabled).",
    ):
        document.add_paragraph(text, style="List Number")
    document.add_heading("Relay requirements", level=2)
    document.add_paragraph(
        "The Ember Relay synchronises with the Ember Cloud portal on TCP 443 and TCP 8883 "
        "(MQTT over TLS)."
    )
    rows = [
        ("Port", "Protocol", "From", "To", "Purpose"),
        ("5353", "UDP", "Ember Relay", "Kiosks", "mDNS discovery of new kiosks"),
        ("22", "TCP", "Ember support VPN", "Ember Relay", "Remote support (optional)"),
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.save(str(path))


def build_fernway_request_xlsx(path: Path) -> None:
    """A firewall change-request form: metadata rows and a two-level header."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Change request"
    sheet.append(["Firewall change request"])
    sheet.merge_cells("A1:H1")
    sheet.append(["Requester:", "Network team"])
    sheet.append(["Application:", "Fernway SD-WAN Orchestrator 5"])
    sheet.append([])
    sheet.append(["#", "Source", None, "Destination", None, "Service", None, "Justification"])
    sheet.append([None, "Name", "Zone", "Name", "Zone", "Protocol", "Port", None])
    for group in ("A5:A6", "B5:C5", "D5:E5", "F5:G5", "H5:H6"):
        sheet.merge_cells(group)
    edge, orchestrator = "Fernway Edge appliances", "Fernway Orchestrator"
    body: list[list[object]] = [
        [
            1,
            edge,
            "Branch WAN",
            orchestrator,
            "DMZ",
            "TCP",
            443,
            "Appliance management tunnel (TLS)",
        ],
        [
            2,
            edge,
            "Branch WAN",
            orchestrator,
            "DMZ",
            "UDP",
            3478,
            "NAT traversal for the management tunnel",
        ],
        [3, edge, "Branch WAN", edge, "Branch WAN", "UDP", 2426, "Overlay tunnels between edges"],
        [
            4,
            orchestrator,
            "DMZ",
            "Fernway Analytics",
            "Datacenter",
            "TCP",
            9092,
            "Telemetry stream",
        ],
        [
            5,
            "Network operators",
            "Office LAN",
            orchestrator,
            "DMZ",
            "TCP",
            443,
            "Orchestrator web UI",
        ],
        [
            6,
            orchestrator,
            "DMZ",
            "RADIUS server",
            "Datacenter",
            "UDP",
            1812,
            "Operator authentication (optional)",
        ],
        [7, orchestrator, "DMZ", "Syslog server", "Datacenter", "UDP", 514, "Event export"],
    ]
    for row in body:
        sheet.append(row)
    workbook.save(str(path))


def build_tessera_sso_pdf(path: Path) -> None:
    """An unruled table as word processors print it: columns by position only, descriptions
    wrapped onto a second line, the header repeated on page 2, running header and footer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    columns = (72, 117, 192, 332, 487)
    header = ("Port", "Protocol", "Source", "Destination", "Description")
    pages = [
        [
            ("443", "TCP", "Browsers", "Tessera IdP", "Single sign-on pages and", "SAML endpoints"),
            ("8443", "TCP", "Tessera IdP", "Directory Sync", "Directory change feed", ""),
            (
                "636",
                "TCP",
                "Directory Sync",
                "Domain controllers",
                "LDAPS user and group",
                "synchronisation",
            ),
            ("1812", "UDP", "VPN concentrators", "RADIUS proxy", "VPN logins (optional)", ""),
            (
                "5432",
                "TCP",
                "Tessera IdP",
                "Tessera Database",
                "Session store (default",
                "port, configurable)",
            ),
        ],
        [
            (
                "443",
                "TCP",
                "Tessera IdP",
                "MFA push service",
                "Push notifications to the",
                "authenticator app",
            ),
            ("25", "TCP", "Tessera IdP", "Mail relay", "One-time codes by e-mail", ""),
        ],
    ]
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for number, rows in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(72, 810, "Tessera SSO 3.2 Network Guide")
        pdf.drawString(480, 30, f"Page {number}")
        y = 770.0
        if number == 1:
            pdf.setFont("Helvetica-Bold", 14)
            pdf.drawString(72, y, "Required ports")
            y -= 30
        pdf.setFont("Helvetica-Bold", 9)
        for x, text in zip(columns, header, strict=True):
            pdf.drawString(x, y, text)
        y -= 16
        pdf.setFont("Helvetica", 9)
        for *cells, wrapped in rows:
            for x, text in zip(columns, cells, strict=True):
                pdf.drawString(x, y, text)
            y -= 12
            if wrapped:
                pdf.drawString(columns[-1], y, wrapped)
                y -= 12
            y -= 6
        pdf.showPage()
    pdf.save()


BUILDERS: dict[str, Callable[[Path], None]] = {
    "helix-nac.pdf": build_helix_nac_pdf,
    "portcullis-access.docx": build_portcullis_access_docx,
    "strata-db.xlsx": build_strata_db_xlsx,
    "orbit-engine.pdf": build_orbit_engine_pdf,
    "ember-kiosk.docx": build_ember_kiosk_docx,
    "fernway-request.xlsx": build_fernway_request_xlsx,
    "tessera-sso.pdf": build_tessera_sso_pdf,
}


def build(name: str, directory: Path) -> Path:
    """Build the corpus document ``name`` into ``directory`` and return its path."""
    target = directory / name
    BUILDERS[name](target)
    return target


if __name__ == "__main__":
    for name in BUILDERS:
        print(build(name, CORPUS))
    sys.exit(0)
