"""clean_inline: the text a reader of the rendered page sees, for every markup language."""

from __future__ import annotations

import pytest

from portplan.extract.inline import clean_inline


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        # Markdown
        ("**TCP 443** and _UDP 123_ and `port 22`", "TCP 443 and UDP 123 and port 22"),
        ("`*.example.com` stays as code", "*.example.com stays as code"),
        ("[the console](https://host/a_(b)) on 8443", "the console on 8443"),
        ("[Datadog site][11] selector", "Datadog site selector"),
        ("see <https://example.invalid/ports>", "see https://example.invalid/ports"),
        ("![diagram](ports.png 'TCP 9999') Ports", "Ports"),
        ("port 443[^1] is required", "port 443 is required"),
        ("~~UDP 514~~ TCP 6514", "UDP 514 TCP 6514"),
        ("a \\| in a cell, \\*not emphasis\\*", "a | in a cell, *not emphasis*"),
        ("5001<br/>5002 &mdash; both &amp; more", "5001 5002 — both & more"),
        ("<b>bold</b> and the placeholder <IP address>", "bold and the placeholder <IP address>"),
        ("`<secure>1</secure>` enabled", "<secure>1</secure> enabled"),
        ("Agent traffic {#agent-traffic}", "Agent traffic"),
        ("***both***", "both"),
        # AsciiDoc
        (
            "xref:glossary#snmp[Simple Network Management Protocol (SNMP)]",
            "Simple Network Management Protocol (SNMP)",
        ),
        ("xref:install#[]", "install#"),
        ("link:https://example.invalid/x[Real-time checks^]", "Real-time checks"),
        ("https://example.invalid/kb[Accessing the portal]", "Accessing the portal"),
        ("<<ports,Port table>> and <<firewall>>", "Port table and firewall"),
        ("[.notranslate]#161#", "161"),
        ("[literal]``localhost``", "localhost"),
        ("+--port=8443+ and pass:[a*b*]", "--port=8443 and a*b*"),
        ("{product-name} uses kbd:[Ctrl+C]", "{product-name} uses Ctrl+C"),
        ("menu:Settings[Network,Ports]", "Settings > Network > Ports"),
        ("[[anchor]]Title", "Title"),
        ("`xref:config.adoc#listen[server.bolt.listen_address]`", "server.bolt.listen_address"),
        ("line with a hard break +", "line with a hard break"),
        # reStructuredText
        ("``9100-9200``", "9100-9200"),
        (":ref:`Disable ciphers <disable_ciphers>`", "Disable ciphers"),
        (":ref:`airgap`", "airgap"),
        ("non-:term:`State Snapshot Transfer`", "non-State Snapshot Transfer"),
        ("`DigitalOcean <https://example.invalid>`_", "DigitalOcean"),
        ("`anonymous link`__ here", "anonymous link here"),
        ("|product| listens", "product listens"),
        ("needs TCP 22 [#]_ and UDP 53 [1]_", "needs TCP 22 and UDP 53"),
        # left as written
        ("mod_event_socket and NSClient++", "mod_event_socket and NSClient++"),
        ("TACACS+: TCP port 49; C# and F#", "TACACS+: TCP port 49; C# and F#"),
        ("a | b | c", "a | b | c"),
        ("2*3 is six", "2*3 is six"),
        ("  spaced\tout  text ", "spaced out text"),
    ],
)
def test_clean_inline(written: str, shown: str) -> None:
    assert clean_inline(written) == shown


def test_clean_inline_is_linear_on_unclosed_marks() -> None:
    """Unclosed marks must not make a pattern backtrack over the whole text."""
    text = "**a " * 20000 + "`b " * 20000 + "[c " * 20000 + "_d " * 20000
    assert clean_inline(text).startswith("**a **a")
