"""The interpreter on small documents of each shape: tables in text, reader tables, prose."""

from __future__ import annotations

from portplan.extract.document import Document, Table, TextLine
from portplan.extract.extractor import extract_flows
from portplan.extract.readers.text import text_document
from portplan.extract.result import ExtractedFlow, Extraction


def extract(text: str) -> Extraction:
    return extract_flows(text_document(text, "doc.txt"))


def summary(flow: ExtractedFlow) -> tuple[str, str, str]:
    service = "+".join(flow.protocols) + "/" + ",".join(flow.ports)
    return flow.src, flow.dst, service


def test_tab_table_with_continuation_rows_and_page_header() -> None:
    result = extract(
        "Port\tType\tSource\tDestination\tDescription\n"
        "161\tUDP\tVPSX\tPrinters\tSNMP status\n"
        "\t\tPULLSVC\tPrinters\tSNMP status (only for DSR)\n"
        "\n"
        "Vendor Network Port Requirements\n"
        "\n"
        "25\tSMTP\tVPSX\tMail Server\tEmail (if required)\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("VPSX", "Printers", "udp/161"),
        ("PULLSVC", "Printers", "udp/161"),
        ("VPSX", "Mail Server", "tcp/25"),
    ]
    assert [f.optional for f in result.flows] == [False, True, True]
    assert result.flows[1].evidence.line == 3


def test_optional_section_heading_applies_until_the_next_heading() -> None:
    result = extract(
        "Ports List: Optional Products – AlertX\n\n"
        "Port\tType\tSource\tDestination\tDescription\n"
        "5555\tTCP\tLoad Balancer\tAlertX\tCluster\n\n"
        "Core ports\n\n"
        "Port\tType\tSource\tDestination\tDescription\n"
        "443\tTCP\tBrowser\tServer\tWeb\n"
    )
    assert [(f.dst, f.optional, f.section) for f in result.flows] == [
        ("AlertX", True, "Ports List: Optional Products – AlertX"),
        ("Server", False, "Core ports"),
    ]


def test_markdown_table_with_broken_rows_and_configurable_ports() -> None:
    result = extract(
        "Source | Destination | Protocol | Destination Server Port (Default) | Comment |\n"
        "---|---|---|---|---|\n"
        "Agent PC | SQL Server | TCP | *1443 | Reporting |\n"
        "Server 01 | Server 01 | Net.pipe / TCP |\n"
        "| LUCS-CIC |\n"
        "Client | Lync | UDP/TCP | *49'152 – 57'500 | Media |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Agent PC", "SQL Server", "tcp/1443"),
        ("Server 01", "Server 01", "tcp/"),
        ("Client", "Lync", "tcp+udp/49152-57500"),
    ]
    assert [f.configurable for f in result.flows] == [True, False, True]
    assert "LUCS-CIC" in result.flows[1].purpose


def test_pdf_rows_wrapped_onto_the_next_line_merge() -> None:
    result = extract(
        "From (Sender)\tTo (Listener)\tDestination Port\tPurpose\n"
        "Admin laptop\tIEC (VNC server)\t5980 (TCP)\tFor Remote Monitoring\n"
        "(VNC client)\t\t5950 (TCP)\tand Management via VNC login\n"
        "SNMP client\tREM server\t161 (UDP)\tUtilizes SNMP to\n"
        "\t\t199 (TCP)\tprovide operations support\n"
        "\tIEM\t25 (TCP)\tSendMail notification\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Admin laptop (VNC client)", "IEC (VNC server)", "tcp/5980,5950"),
        ("SNMP client", "REM server", "udp/161"),
        ("SNMP client", "REM server", "tcp/199"),
        ("", "IEM", "tcp/25"),
    ]


def test_repeated_header_splits_a_table() -> None:
    result = extract(
        "Source\tDestination\tPort\n"
        "A server\tB server\t443 (TCP)\n"
        "Source\tDestination\tPort\n"
        "B server\tC server\t8443 (TCP)\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("A server", "B server", "tcp/443"),
        ("B server", "C server", "tcp/8443"),
    ]


def test_html_flattened_one_cell_per_line() -> None:
    result = extract(
        "Ports used from the server to printers\n"
        "ProtocolMVE serverPrinterUsed for\n\n"
        "Lexmark Secure Transport (LST)\n\nUDP 6100\n\nEphemeral TCP port\n\n(handshaking)\n\n"
        "UDP 6100\n\nTCP 6110\n\n(handshaking)\n\nTalking securely.\n\n"
        "Hypertext Transfer Protocol (HTTP)\n\nEphemeral TCP port\n\nTCP 80\n\nDeploying.\n\n"
        "TCP 443\n\nEnforcing.\n\n"
        "Server-to-database communication\n"
        "MVE serverDatabaseUsed for\n\n"
        "Ephemeral TCP port\n\nUser‑defined port. The default port is TCP 1433.\n\nSQL.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("MVE server", "Printer", "udp/6100"),
        ("MVE server", "Printer", "tcp/6110"),
        ("MVE server", "Printer", "tcp/80"),
        ("MVE server", "Printer", "tcp/443"),
        ("MVE server", "Database", "tcp/1433"),
    ]
    assert result.flows[-1].configurable


def test_space_aligned_columns_with_wrapped_descriptions() -> None:
    result = extract(
        "Port         Proto  From                   To                     Description\n"
        "-----------  -----  ---------------------  ---------------------  ----------------\n"
        "443          TCP    Managed devices        Secure Gateway         Enrolment and\n"
        "                                                                  check-in\n"
        "-            ICMP   Server                 Secure Gateway         Health check\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Managed devices", "Secure Gateway", "tcp/443"),
        ("Server", "Secure Gateway", "icmp/"),
    ]
    assert result.flows[0].purpose == "Enrolment and check-in"


def test_direction_column_relative_to_a_named_server() -> None:
    result = extract(
        "Firewall requirements for the Kestrel Management Server\n\n"
        "Service\tTransport\tPort(s)\tDirection\tNotes\n"
        "Check-in\tTCP\t8443\tInbound\tFrom endpoint agents.\n"
        "Syslog\tUDP\t514\tOutbound\tTo the SIEM collector. TCP 6514 is used with TLS.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("endpoint agents", "Kestrel Management Server", "tcp/8443"),
        ("Kestrel Management Server", "SIEM collector", "udp/514"),
        ("Kestrel Management Server", "SIEM collector", "tcp/6514"),
    ]


def test_reader_tables_use_the_same_header_meaning() -> None:
    document = Document(
        "doc.html",
        (
            TextLine(1, "Optional: Mobile credentials"),
            Table(
                rows=(
                    ("Client", "Client port", "Server", "Server port", "Protocol"),
                    ("Kiosk", "ephemeral", "Portal", "8443", "TCP"),
                    ("Elevator module (optional)", "", "", "", ""),
                    ("Portal", "any", "Elevator", "10001", "TCP"),
                ),
                lines=(2, 3, 4, 5),
                title="Controller communication",
            ),
        ),
    )
    result = extract_flows(document)
    assert [summary(f) for f in result.flows] == [
        ("Kiosk", "Portal", "tcp/8443"),
        ("Portal", "Elevator", "tcp/10001"),
    ]
    assert [f.optional for f in result.flows] == [False, True]


def test_numbered_steps_take_source_and_destination_from_the_sentence() -> None:
    result = extract(
        "Printing\n\n"
        "1. The user submits a print job from their computer.N/A\n"
        "2. The client communicates to PaperCut Cloud Services and asks.HTTPS via Port 443\n"
        "3. PaperCut Cloud Services returns a list of nodes.HTTPS via Port 443\n"
        "4. The edge node tries to reach the specified printer.SNMP 161/162\n"
        "5. If the printer is free, the edge node sends the job to the printer.\n\n"
        "IPP/IPPS printing via ports 80/443/631\n\n"
        "Windows print queue RAW 9100\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("client", "PaperCut Cloud Services", "tcp/443"),
        ("client", "PaperCut Cloud Services", "tcp/443"),
        ("edge node", "specified printer", "udp/161,162"),
        ("edge node", "printer", "tcp/80,443,631"),
        ("edge node", "printer", "tcp/9100"),
    ]


def test_sentences_and_bullets_relative_to_a_server() -> None:
    result = extract(
        "The management server checks that every player is reachable with ICMP echo requests.\n"
        "Door controllers also query the NTP server on UDP 123.\n"
        "The player downloads media from the site's content cache on 8080 (HTTP) / 8443 (HTTPS).\n"
        "\n## Inbound to the Payroll Server\n\n"
        "- TCP 443 from user browsers (web interface)\n"
        "- TCP/UDP 53 to the DNS servers\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("management server", "player", "icmp/"),
        ("Door controllers", "NTP server", "udp/123"),
        ("player", "site's content cache", "tcp/8080,8443"),
        ("user browsers", "Payroll Server", "tcp/443"),
        ("Payroll Server", "DNS servers", "tcp+udp/53"),
    ]


def test_port_like_lines_that_are_not_flows_are_reported_not_dropped() -> None:
    result = extract(
        "Running two instances? The second uses LUCS Ports +2000 flat value added.\n"
        "Open TCP 9000 as well.\n"
        "Release 11.0, revised 2024-03-18, page 3\n"
    )
    assert not result.flows
    reasons = {u.line: u.reason for u in result.unparsed}
    assert "offset" in reasons[1]
    assert 2 in reasons
    assert 3 not in reasons  # a version and a date are not ports
    assert result.notices


def test_port_numbers_no_rule_could_read_still_reach_unparsed() -> None:
    result = extract(
        "Contents\n"
        "Port Descriptions\t3\n"
        "Ensure the following ports are reachable from the jump host: 22, 3389.\n"
    )
    assert not result.flows
    lines = {u.line for u in result.unparsed}
    assert 3 in lines  # ports without a readable flow are listed, not dropped
    assert 2 not in lines  # a table-of-contents entry's page number is not a port


def test_large_documents_keep_every_row() -> None:
    """Every row and sentence of a long document is a flow (its speed is bench/extract.py's)."""
    row = "5501\tTCP\tLRS/ServerX\tVPSX\tAPI Communication between LRS/ServerX & VPSX\n"
    prose = "The agent connects to the server on TCP 8443 to upload its events every minute.\n"
    text = "Port\tType\tSource\tDestination\tDescription\n" + (row * 20 + prose * 5) * 300
    result = extract(text)
    assert len(result.flows) == 7_500
    assert {summary(f) for f in result.flows} == {
        ("LRS/ServerX", "VPSX", "tcp/5501"),
        ("agent", "server", "tcp/8443"),
    }


def test_labelled_field_records() -> None:
    result = extract(
        "Connection 1\n"
        "Source: PowerCenter server\nDestination: UPS network cards\n"
        "Service: SNMP (UDP 161)\nPurpose: Polling status\n\n"
        "Connection 2 (optional)\n"
        "Source: PowerCenter server\nDestination: Mail relay\nService: TCP 25\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("PowerCenter server", "UPS network cards", "udp/161"),
        ("PowerCenter server", "Mail relay", "tcp/25"),
    ]
    assert [f.optional for f in result.flows] == [False, True]


def test_flow_cells_with_arrows_and_two_row_headers() -> None:
    arrows = Table(
        rows=(
            ("Flow", "Protocol / Port", "Purpose"),
            ("Lab instruments → Gateway", "TCP/2575", "HL7"),
            ("Label printers ← App Server", "TCP/9100", "Labels"),
        ),
        lines=(1, 2, 3),
    )
    two_rows = Table(
        rows=(
            ("#", "Source", "Source", "Destination", "Destination", "Service", "Service"),
            ("#", "Name", "Zone", "Name", "Zone", "Protocol", "Port"),
            ("1", "Edge", "WAN", "Orchestrator", "DMZ", "UDP", "3478"),
        ),
        lines=(5, 6, 7),
    )
    result = extract_flows(Document("doc.xlsx", (arrows, two_rows)))
    assert [summary(f) for f in result.flows] == [
        ("Lab instruments", "Gateway", "tcp/2575"),
        ("App Server", "Label printers", "tcp/9100"),
        ("Edge", "Orchestrator", "udp/3478"),
    ]


def test_glued_header_with_named_columns_fills_cells_in_order() -> None:
    result = extract(
        "Ports used inside each store\n"
        "SourceDestinationProtocolPortNotes\n\n"
        "POS terminals\n\nStore server\n\nTCP\n\n7010\n\nPosting\n\n"
        "Store server\n\nPayment switch\n\nTCP\n\n9443\n\nCards (only for integrated payments)\n\n"
        "Was this article helpful?\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("POS terminals", "Store server", "tcp/7010"),
        ("Store server", "Payment switch", "tcp/9443"),
    ]
    assert [f.optional for f in result.flows] == [False, True]


def test_sentences_naming_both_ends_in_other_word_orders() -> None:
    result = extract(
        "Allow inbound TCP 3389 to the jump host from the admin network.\n"
        "Backup agents on each host are contacted by the backup server on TCP 10000.\n"
        "Port 1521 must be open between the application server and the Oracle database.\n"
        "The database server accepts connections from the application servers on port 5432.\n"
        "Browsers access the portal via HTTPS on port 443.\n"
        "- Lab instruments → Quartz Gateway: TCP/2575 (HL7)\n"
        "The web console listens on TCP port 8443.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("admin network", "jump host", "tcp/3389"),
        ("backup server", "Backup agents on each host", "tcp/10000"),
        ("application server", "Oracle database", "tcp/1521"),
        ("application servers", "database server", "tcp/5432"),
        ("Browsers", "portal", "tcp/443"),
        ("Lab instruments", "Quartz Gateway", "tcp/2575"),
        ("", "web console", "tcp/8443"),  # a listener: the text names no client
    ]
    assert result.flows[-1].evidence.src_from == ""  # and no sentence before lends it one


def test_direction_arrows_between_two_component_columns() -> None:
    result = extract(
        "| Component A | Direction | Component B | Port/Protocol | Purpose |\n"
        "|---|---|---|---|---|\n"
        "| Access points | → | Controller | 5246-5247/UDP | CAPWAP |\n"
        "| Controller | ← | Administrators | 443/TCP | Web administration |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Access points", "Controller", "udp/5246-5247"),
        ("Administrators", "Controller", "tcp/443"),
    ]


def test_listener_named_column_and_one_flow_per_row_over_both_protocols() -> None:
    result = extract(
        "| Component | Listening port | Protocol | Accessed by |\n"
        "|---|---|---|---|\n"
        "| Web server | 8080 | TCP | Browsers |\n\n"
        "Service   | From        | To         | Ports\n"
        "--------- | ----------- | ---------- | ------------------\n"
        "DNS       | All servers | DNS server | TCP: 53; UDP: 53\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Browsers", "Web server", "tcp/8080"),
        ("All servers", "DNS server", "tcp+udp/53"),
    ]


def test_tables_without_endpoint_columns_take_both_ends_from_the_heading() -> None:
    result = extract(
        "Client to server ports\n\nProtocol\tPort\tFeature\nTCP\t443\tWeb\nUDP\t3478\tMedia\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Client", "server", "tcp/443"),
        ("Client", "server", "udp/3478"),
    ]


def test_connectivity_matrix_and_one_sided_tables() -> None:
    matrix = extract(
        "| From \\ To | Web portal | Database |\n"
        "|---|---|---|\n"
        "| Patient devices | TCP 443 | – |\n"
        "| Web portal | – | TCP 5432 |\n"
    )
    assert [summary(f) for f in matrix.flows] == [
        ("Patient devices", "Web portal", "tcp/443"),
        ("Web portal", "Database", "tcp/5432"),
    ]
    one_sided = extract(
        "Outbound connections (from the Beacon Server)\n\n"
        "Port\tProtocol\tTo\tPurpose\n993\tTCP\tIMAP server\tMailbox polling\n"
    )
    assert [summary(f) for f in one_sided.flows] == [("Beacon Server", "IMAP server", "tcp/993")]


def test_space_aligned_header_wrapped_over_two_lines() -> None:
    result = extract(
        "Source           Destination        Destination    Protocol   Description\n"
        "                                    Port\n"
        "Agents           Manager            8443           TCP        Check-in\n"
        "Manager          Database           5432.0         TCP        Storage\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Agents", "Manager", "tcp/8443"),
        ("Manager", "Database", "tcp/5432"),
    ]


def test_bullets_under_a_list_introduction_name_the_listener() -> None:
    result = extract(
        "The following ports must be open on the Print Server:\n\n"
        "- TCP 443 (HTTPS) – web console\n"
        "- UDP 161 – SNMP\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("", "Print Server", "tcp/443"),
        ("", "Print Server", "udp/161"),
    ]


def test_pathological_lines_give_an_answer() -> None:
    """Lines that once took minutes (bench/extract.py times them) still give their flows."""
    ports = ", ".join(str(i % 65535 + 1) for i in range(100_000))
    table = extract("Port\tType\tSource\tDestination\n" + ports + "\tTCP\tA\tB\n")
    assert [(f.src, f.dst, f.protocols) for f in table.flows] == [("A", "B", ("tcp",))]
    assert len(table.flows[0].ports) >= 1
    clauses = extract("## Inbound to the Server\n- TCP 443 " + "to the server and " * 20_000)
    assert [summary(f)[2] for f in clauses.flows] == ["tcp/443"]
    assert extract("| a " * 50_000 + "|\n").flows == ()
    assert extract("Ab" * 50_000 + "\n").flows == ()


def test_steps_with_storage_polling_reachability_and_passive_phrasing() -> None:
    result = extract(
        "Step 1: The scanner sends the scanned image to the capture server over SMB (TCP 445).\n"
        "Step 2: The capture server stores the document in the repository via HTTPS (port 443).\n"
        "Step 3: Optionally, the repository forwards a notice to the mail gateway on TCP 25.\n"
        "\nLicensing\n"
        "The license manager must be reachable from every capture server on TCP 27000.\n"
        "Capture servers poll the license manager every 5 minutes on TCP port 27001.\n"
        "Port 5060 (SIP) is used by the phones to register with the call manager.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("scanner", "capture server", "tcp/445"),
        ("capture server", "repository", "tcp/443"),
        ("repository", "mail gateway", "tcp/25"),
        ("capture server", "license manager", "tcp/27000"),
        ("Capture servers", "license manager", "tcp/27001"),
        ("phones", "call manager", "tcp+udp/5060"),
    ]
    assert [f.optional for f in result.flows] == [False, False, True, False, False, False]


def test_service_column_found_by_its_contents() -> None:
    result = extract(
        "Source\tDestination\tService\tComment\n"
        "Web tier\tApp tier\ttcp/8080\tAPI\n"
        "App tier\tDB tier\tMSSQL (1433)\tData\n"
        "Admins\tApp tier\tRDP\tAdministration\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Web tier", "App tier", "tcp/8080"),
        ("App tier", "DB tier", "tcp/1433"),
        ("Admins", "App tier", "tcp/"),  # a protocol named without its port: none is guessed
    ]


def test_glued_header_whose_end_columns_hold_ports() -> None:
    result = extract(
        "ProtocolClientServerUsed for\n\n"
        "Hypertext Transfer Protocol over SSL (HTTPS)\n\nEphemeral TCP port\n\nTCP 443\n\n"
        "Web console.\n\n"
        "Simple Network Management Protocol (SNMP)\n\nEphemeral UDP port\n\nUDP 161\n\n"
        "Monitoring.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Client", "Server", "tcp/443"),
        ("Client", "Server", "udp/161"),
    ]


def test_bilingual_headers_dotted_thousands_and_transposed_tables() -> None:
    bilingual = extract(
        "| Quelle / Source | Ziel / Destination | Protokoll / Protocol | Port(s) |\n"
        "|---|---|---|---|\n"
        "| PLC | MES server | UDP | 49.152 – 65.535 |\n"
    )
    assert [summary(f) for f in bilingual.flows] == [("PLC", "MES server", "udp/49152-65535")]
    sideways = Table(
        rows=(
            ("Connection", "1", "2"),
            ("Source", "Scanner stations", "Capture server"),
            ("Destination", "Capture server", "Document archive"),
            ("Protocol", "TCP", "TCP"),
            ("Port", "9443", "8080"),
        ),
        lines=(1, 2, 3, 4, 5),
    )
    result = extract_flows(Document("doc.html", (sideways,)))
    assert [summary(f) for f in result.flows] == [
        ("Scanner stations", "Capture server", "tcp/9443"),
        ("Capture server", "Document archive", "tcp/8080"),
    ]


def test_listeners_and_captions_name_the_other_end() -> None:
    result = extract(
        "SNMP traps are sent from the appliance to your NMS on UDP 162.\n"
        "The appliance listens for syslog on UDP 514 from network devices.\n\n"
        "Ports used during communication from the agent to the server\n"
        "PortProtocolUsed for\n\n8443\n\nTCP\n\nCheck-in\n\n514\n\nUDP\n\nSyslog\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("appliance", "NMS", "udp/162"),
        ("network devices", "appliance", "udp/514"),
        ("agent", "server", "tcp/8443"),
        ("agent", "server", "udp/514"),
    ]


def test_box_drawn_and_ascii_grid_tables() -> None:
    grid = extract(
        "+------+----------+---------+-------------+\n"
        "| Port | Protocol | Source  | Destination |\n"
        "+------+----------+---------+-------------+\n"
        "| 443  | TCP      | Clients | Server      |\n"
        "+------+----------+---------+-------------+\n"
    )
    assert [summary(f) for f in grid.flows] == [("Clients", "Server", "tcp/443")]
    boxed = extract(
        "┏━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━┓\n"
        "┃ line ┃ source  ┃ destination ┃ service  ┃\n"
        "┡━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━┩\n"
        "│ 2    │ VPSX    │ Printers    │ udp/161  │\n"
        "└──────┴─────────┴─────────────┴──────────┘\n"
    )
    assert [summary(f) for f in boxed.flows] == [("VPSX", "Printers", "udp/161")]


def test_tab_header_continued_on_a_second_line() -> None:
    result = extract(
        "From\tTo\tDestination\tProtocol\n(Sender)\t(Listener)\tPort\t\nAgents\tManager\t8443\tTCP\n"
    )
    assert [summary(f) for f in result.flows] == [("Agents", "Manager", "tcp/8443")]


def test_labelled_fields_on_one_line() -> None:
    result = extract(
        "Telemetry: From: Kiln gateways, To: Kiln Cloud, Protocol: TCP, Port: 443\n"
        "Remote shell (optional): From: Support host, To: Kiln gateways, Port: TCP 2222\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Kiln gateways", "Kiln Cloud", "tcp/443"),
        ("Support host", "Kiln gateways", "tcp/2222"),
    ]
    assert [f.optional for f in result.flows] == [False, True]


def test_step_tables_from_a_reader_read_as_prose() -> None:
    steps = Table(
        rows=(
            ("Action", "Comms"),
            ("1. The client communicates with the Cloud Service.", "HTTPS via Port 443"),
            ("2. The edge node tries to reach the printer.", "SNMP 161/162"),
        ),
        lines=(1, 2, 3),
    )
    result = extract_flows(Document("doc.docx", (steps,)))
    assert [summary(f) for f in result.flows] == [
        ("client", "Cloud Service", "tcp/443"),
        ("edge node", "printer", "udp/161,162"),
    ]


def test_protocol_columns_under_a_ports_group_and_check_marks() -> None:
    grouped = extract_flows(
        Document(
            "doc.html",
            (
                Table(
                    (
                        ("Source", "Destination", "Ports", "Ports", "Purpose"),
                        ("Source", "Destination", "TCP", "UDP", "Purpose"),
                        ("Phones", "Gateway", "5060, 5061", "5060", "SIP"),
                        ("Gateway", "NTP server", "–", "123", "Clock"),
                    ),
                    (1, 2, 3, 4),
                ),
            ),
        )
    )
    assert [summary(f) for f in grouped.flows] == [
        ("Phones", "Gateway", "tcp/5060,5061"),
        ("Phones", "Gateway", "udp/5060"),
        ("Gateway", "NTP server", "udp/123"),
    ]
    marks = extract(
        "| Port | TCP | UDP | Used by |\n|---|---|---|---|\n"
        "| 111 | ✓ | ✓ | Proxy → NFS Repository |\n| 9392 | ✓ | | Console → Server |\n"
    )
    assert [summary(f) for f in marks.flows] == [
        ("Proxy", "NFS Repository", "tcp+udp/111"),
        ("Console", "Server", "tcp/9392"),
    ]


def test_component_beside_a_connects_to_column_is_the_source() -> None:
    result = extract(
        "| Component | Connects to | Port / Protocol |\n|---|---|---|\n"
        "| Archive Server | Mail server | TCP 143 |\n"
    )
    assert [summary(f) for f in result.flows] == [("Archive Server", "Mail server", "tcp/143")]


def test_inbound_and_outbound_tables_of_a_server_named_in_a_sentence() -> None:
    result = extract(
        "The following ports must be open on the Management Server. Other text follows.\n\n"
        "Inbound ports\n\n| Port | Protocol | Source |\n|---|---|---|\n"
        "| 8443 | TCP | Browsers |\n\n"
        "Outbound ports\n\n| Port | Protocol | Destination |\n|---|---|---|\n| 1433 | TCP | SQL |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Browsers", "Management Server", "tcp/8443"),
        ("Management Server", "SQL", "tcp/1433"),
    ]


def test_one_flow_per_sentence_or_clause_that_states_a_port() -> None:
    result = extract(
        "Clients connect to the broker nodes on port 5671 (AMQPS). "
        "Plain AMQP on port 5672 is off.\n"
        "The Prometheus server scrapes metrics from the broker nodes on port 15692.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Clients", "broker nodes", "tcp/5671"),
        ("Clients", "broker nodes", "tcp/5672"),
        ("Prometheus server", "broker nodes", "tcp/15692"),
    ]


def test_bullets_under_a_pair_bullet_and_direction_lines_under_a_system_heading() -> None:
    result = extract(
        "- **Manager → Agents**\n  - TCP 4118: heartbeat\n"
        "\nEdge appliance\n\nInbound: 443/tcp (local UI) from the management network.\n"
        "Outbound to the Orchestrator: 8443/tcp; IPsec uses UDP 500.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Manager", "Agents", "tcp/4118"),
        ("management network", "Edge appliance", "tcp/443"),
        ("Edge appliance", "Orchestrator", "tcp/8443"),
        ("Edge appliance", "Orchestrator", "udp/500"),
    ]


def test_table_of_ports_under_a_list_intro_ends_at_the_named_system() -> None:
    result = extract(
        "The following ports must be open on each cluster node:\n\n"
        "| Port | Protocol | Purpose |\n|---|---|---|\n"
        "| 7000 | TCP | Sync |\n| 7001 | UDP | Beat |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("", "cluster node", "tcp/7000"),
        ("", "cluster node", "udp/7001"),
    ]


def test_firewall_guide_sentences() -> None:
    result = extract(
        "Open port 8080/TCP on the Kite Controller for the access points (device inform).\n"
        "The Kite Controller listens on TCP 8443 for administrator browsers.\n"
        "Make sure UDP 3478 is allowed from the access points to the STUN server.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("access points", "Kite Controller", "tcp/8080"),
        ("administrator browsers", "Kite Controller", "tcp/8443"),
        ("access points", "STUN server", "udp/3478"),
    ]


def test_names_in_a_description_cell_a_connection_label_and_a_port_note() -> None:
    table = extract(
        "| Port | Description |\n|---|---|\n"
        "| TCP 443 | Clients to the Portal server |\n| TCP 25 | Used to send mail |\n"
    )
    assert [summary(f) for f in table.flows] == [
        ("Clients", "Portal server", "tcp/443"),
        ("", "", "tcp/25"),
    ]
    records = extract("Connection: Web tier -> App tier\nPort: 8080/tcp\n")
    assert [summary(f) for f in records.flows] == [("Web tier", "App tier", "tcp/8080")]
    steps = extract("1. The print server queries the license server (TCP 5053).\n")
    assert [summary(f) for f in steps.flows] == [("print server", "license server", "tcp/5053")]


def test_between_one_group_modal_verbs_end_names_and_open_on_x_for_y() -> None:
    result = extract(
        "Communication between the nodes uses TCP 7000-7010.\n"
        "Outbound HTTPS (443) from the proxy to updates.example.com must be allowed.\n"
        "Port 9000 (TCP) must be open inbound on the collector for agent traffic.\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("nodes", "nodes", "tcp/7000-7010"),
        ("proxy", "updates.example.com", "tcp/443"),
        ("agent", "collector", "tcp/9000"),
    ]


def test_direction_cells_that_name_the_systems() -> None:
    result = extract(
        "| Port | Direction | Description |\n|---|---|---|\n"
        "| TCP 443 | Inbound to the Portal | Web access |\n"
        "| TCP 1433 | Outbound from the Portal to SQL Server | Database |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("", "Portal", "tcp/443"),
        ("Portal", "SQL Server", "tcp/1433"),
    ]


def test_entities_and_two_headed_arrows_in_flow_cells() -> None:
    result = extract(
        "| Flow | Port | Protocol |\n|---|---|---|\n"
        "| Console &rarr; Server | 443 | TCP |\n| Server ↔ Replica | 5432 | TCP |\n"
    )
    assert [summary(f) for f in result.flows] == [
        ("Console", "Server", "tcp/443"),
        ("Server", "Replica", "tcp/5432"),
    ]


def test_a_sentence_before_a_bare_default_port_names_both_ends() -> None:
    result = extract(
        "## Admin API\n\n"
        "The admin API server accepts HTTP requests from operator workstations. The requests\n"
        "carry a session token issued at login.\n\n"
        "Default port: 9443\n"
    )
    [flow] = result.flows
    assert (flow.src, flow.dst, flow.ports) == (
        "operator workstations",
        "admin API server",
        ("9443",),
    )
    assert flow.purpose == "Default port: 9443"  # said once, not twice


def test_a_sentence_ending_on_from_names_the_listener_of_the_list_below() -> None:
    result = extract(
        "## Listeners\n\n"
        "The Tallowin ingest server accepts SMTP connections from:\n\n"
        "* partner mail relays\n"
        "* internal mail servers\n\n"
        "Default port: 2525\n"
    )
    assert [(f.dst, f.ports) for f in result.flows] == [("Tallowin ingest server", ("2525",))]


def test_an_imperative_intro_names_no_system() -> None:
    result = extract(
        "## Inbound\n\n"
        "Whitelist the following ports:\n\n"
        "| Protocol  | Port | Description       |\n"
        "| --------- | ---- | ----------------- |\n"
        "| TCP & UDP | 4242 | Cluster heartbeat |\n"
        "| TCP       | 22   | SSH               |\n"
    )
    assert [(f.dst, summary(f)[2], f.purpose) for f in result.flows] == [
        ("", "tcp+udp/4242", "Cluster heartbeat"),
        ("", "tcp/22", "SSH"),
    ]


def test_port_numbers_nested_under_a_service_and_transport_label() -> None:
    result = extract(
        "# Mail relay ports\n\n* SMTP TCP\n    *    25, 587\n* Syslog UDP\n    *    514\n"
    )
    assert [(f.dst, summary(f)[2]) for f in result.flows] == [
        ("Mail relay", "tcp/25,587"),
        ("Mail relay", "udp/514"),
    ]


def test_port_lines_with_configuration_file_comments() -> None:
    result = extract(
        "Each line names a port and the protocols the mail gateway must allow.\n"
        "8025   tcp       # quarantine web console\n"
        "5353   tcp udp   # internal name cache\n"
    )
    assert [(summary(f)[2], f.purpose) for f in result.flows] == [
        ("tcp/8025", "quarantine web console"),
        ("tcp+udp/5353", "internal name cache"),
    ]


def test_an_activity_in_a_note_is_not_a_client() -> None:
    result = extract(
        "## Inbound ports of the Atlas server\n\n"
        "| Port | Protocol | Notes |\n"
        "| ---- | -------- | ----- |\n"
        "| 9100 | TCP | Required for scraping node exporter metrics. |\n"
    )
    [flow] = result.flows
    assert flow.src == "" and flow.dst == "Atlas server"


def test_firewall_commands_under_headings_are_commands_not_rows() -> None:
    result = extract(
        "# MASTER\nufw allow 6443/tcp\nufw allow 2379:2380/tcp\n"
        "# WORKER\nufw allow 10250/tcp\nufw allow 30000:32767/tcp\n"
    )
    assert [(f.dst, summary(f)[2]) for f in result.flows] == [
        ("MASTER", "tcp/6443"),
        ("MASTER", "tcp/2379-2380"),
        ("WORKER", "tcp/10250"),
        ("WORKER", "tcp/30000-32767"),
    ]


def test_the_document_subject_opens_what_goes_outbound() -> None:
    result = extract(
        "Quillmate Port Requirements\n\n"
        "The following ports must be available when running Quillmate.\n\n"
        "Inbound\n\n"
        "  • 443 (TCP): Web interface.\n\n"
        "Outbound\n\n"
        "  • 25 (TCP): Mail to the relay.\n"
        "  • 2376 (TCP): Docker daemon of the Quillmate builders.\n"
    )
    ends = [(f.src, f.dst, f.ports) for f in result.flows]
    assert ends[0] == ("", "Quillmate", ("443",))
    assert ends[2] == ("Quillmate", "", ("2376",))


def test_a_pronoun_is_no_end_the_sentence_before_names_them() -> None:
    result = extract(
        "## Database\n\n"
        "Ledgerly Reports communicates with SQL Server using the ports that SQL Server has\n"
        "been set up to use. By default these are 1433 (TCP) and 1434 (UDP).\n"
    )
    assert [(f.src, f.dst, summary(f)[2]) for f in result.flows] == [
        ("Ledgerly Reports", "SQL Server", "tcp/1433"),
        ("Ledgerly Reports", "SQL Server", "udp/1434"),
    ]


def test_the_system_that_uses_the_ports_of_a_table_is_its_local_end() -> None:
    result = extract(
        "## Central computer ports\n\n"
        "The central computer uses the following ports for communication with other\n"
        "Tallyline components.\n\n"
        "| Port | To component | Direction | Purpose |\n"
        "| ---- | ------------ | --------- | ------- |\n"
        "| TCP 1433 | Database server | Outbound | Reports database |\n"
        "| TCP 8530 | Update server | Outbound | Updates |\n"
    )
    assert [(f.src, f.dst, summary(f)[2]) for f in result.flows] == [
        ("central computer", "Database server", "tcp/1433"),
        ("central computer", "Update server", "tcp/8530"),
    ]


def test_hyphenated_headers_and_a_row_broken_inside_an_empty_cell() -> None:
    result = extract(
        "| Component | Source | Destina-tion | Direction | TCP/ UDP | Service | Port | Notes |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| Discovery | Master Server | Client Devices | Bi-directional | TCP | SSH | 22 | Scan |\n"
        "| Agent link | Client Devices | Master Server | Bi-directional | \n"
        " | HTTP | 1610 | The agent's port. |\n"
    )
    assert [(f.src, f.dst, summary(f)[2]) for f in result.flows] == [
        ("Master Server", "Client Devices", "tcp/22"),
        ("Client Devices", "Master Server", "tcp/1610"),
    ]


def test_notes_that_name_the_user_and_the_listener_of_a_port() -> None:
    result = extract(
        "Table 1. Minimum required ports\n\n"
        "| Port | Protocol | Direction | Comments |\n"
        "| ---- | -------- | --------- | -------- |\n"
        "| 443 | TCP | Outbound | Used by the agent for outbound connections over HTTP. |\n"
        "| 2144 | TCP | Listening | Internal only. The agent process listens on this port. |\n"
    )
    assert [(f.src, f.dst) for f in result.flows] == [
        ("agent", "HTTP server"),
        ("", "agent process"),
    ]


def test_a_port_written_before_its_protocol_is_never_dropped_silently() -> None:
    result = extract("Function\nManager\nDirection\n->\n5985/tcp\n(80/tcp)*\nHTTP\n")
    reported = {item.line for item in result.unparsed} | {f.evidence.line for f in result.flows}
    assert {5, 6} <= reported


def test_check_mark_rules_wrapped_mid_phrase_and_a_note_label() -> None:
    result = extract(
        "This leads to the following firewall rule for the connection to the listener.\n"
        "✓ Allow connections from the Application Agent system to port 5555\n"
        "on the CM system\n"
        "NOTE\n"
        "This rule allows connections from the DMZ to the intranet.\n"
        "The resulting firewall rule for the connection to the session process is:\n"
        "✓ Allow connections from the Application Agent system to ports\n"
        "20000-20004 on the CM system\n"
    )
    assert [(f.src, f.dst, summary(f)[2]) for f in result.flows] == [
        ("Application Agent system", "CM system", "tcp/5555"),
        ("Application Agent system", "CM system", "tcp/20000-20004"),
    ]


def test_a_port_recommended_open_on_a_system() -> None:
    result = extract(
        "Vendors recommend having port 10000 open and available on the media server as well\n"
        "as on the remote systems.\n"
    )
    assert [(f.dst, f.ports) for f in result.flows] == [("media server", ("10000",))]


def test_a_german_table_with_its_caption_and_directions() -> None:
    result = extract(
        "Tabelle 1. Minimal erforderliche Ports\n\n"
        "| Port | Protokoll | Richtung | Anmerkungen |\n"
        "| ---- | --------- | -------- | ----------- |\n"
        "| 443 | TCP | Ausgang | Verbindungen zum Portal. |\n"
        "| 2144 | TCP | Eingehend | Nur intern. |\n"
    )
    assert [(summary(f)[2], f.purpose) for f in result.flows] == [
        ("tcp/443", "Verbindungen zum Portal."),
        ("tcp/2144", "Nur intern."),
    ]
    assert all(not f.src and not f.dst for f in result.flows)  # "Tabelle" names no system


def test_a_summary_sentence_takes_the_transport_its_table_writes() -> None:
    result = extract(
        "The relay multicasts to the agents via port 15000 (see the table below).\n\n"
        "| Device | Port | Protocol | Purpose |\n"
        "| ------ | ---- | -------- | ------- |\n"
        "| Agent | 15000 | UDP | Multicast updates |\n"
    )
    assert [summary(f)[2] for f in result.flows] == ["udp/15000", "udp/15000"]
    assert result.flows[0].evidence.protocol_from == (
        "the same port written with its transport elsewhere in the document"
    )


def test_start_and_end_port_columns_make_one_range() -> None:
    result = extract(
        "|service|protocol|action|start port|end port|comment\n"
        "|---|---|---|---|---|---|\n"
        "etcd|TCP|allow|2379|2380|\n"
        "dns|UDP|allow|53|\n"
    )
    assert [summary(f)[2] for f in result.flows] == ["tcp/2379-2380", "udp/53"]


def test_what_a_port_is_for_is_not_its_client() -> None:
    result = extract(
        "# Security Group\n\n"
        "- Docker swarm\n"
        "  - `TCP/UDP:7946` for overlay network node discovery\n"
        "  - `UDP:4789` for overlay network traffic\n"
    )
    assert [(f.src, f.dst) for f in result.flows] == [
        ("", "Docker swarm"),
        ("", "Docker swarm"),
    ]


def test_rest_definitions_and_a_table_opened_from_another_system() -> None:
    result = extract(
        "Firewall requirements\n=====================\n\n"
        "The Quokka controller listens on the following ports:\n\n"
        "``8774/tcp``\n    Compute API, used by clients and the dashboard.\n\n"
        "Compute nodes must allow these from the controller:\n\n"
        "=========  ========  ==================\n"
        "Port       Protocol  Purpose\n"
        "=========  ========  ==================\n"
        "16509      TCP       libvirt migration\n"
        "=========  ========  ==================\n"
    )
    assert [(f.src, f.dst, summary(f)[2]) for f in result.flows] == [
        ("clients", "Quokka controller", "tcp/8774"),
        ("controller", "Compute nodes", "tcp/16509"),
    ]


def test_the_ports_a_system_must_expose_and_a_list_of_where_it_connects() -> None:
    result = extract(
        "== Required ports\n\n"
        "The following table lists the ports the Harbinger server must expose.\n\n"
        "|===\n|Port |Protocol |Used by\n|8443 |TCP |REST API clients\n|===\n\n"
        "== Outbound\n\n"
        "The Harbinger server connects to:\n\n"
        "* the license portal on TCP 443\n"
    )
    first = result.flows[0]
    assert (first.src, first.dst, summary(first)[2]) == (
        "REST API clients",
        "Harbinger server",
        "tcp/8443",
    )
    assert (result.flows[1].src, result.flows[1].dst) == ("Harbinger server", "license portal")
