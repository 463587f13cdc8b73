"""Protocols whose traffic is more than a connection to a port: the catalog's vocabulary.

- **FTP** (RFC 959): a control connection to tcp/21 and data connections the two ends agree
  on over it — *passive* (the client connects to a port the server names, RFC 959 PASV,
  RFC 2428 EPSV) or *active* (the server connects back from tcp/20 to a port the client
  names, PORT/EPRT). A stateful Linux firewall follows the control connection with the
  kernel's FTP helper (``ct helper ftp``, nf_conntrack_ftp) and lets the data connections
  in as *related*; other platforms need the data ports opened.
- **Discovery** by multicast or broadcast (mDNS, SSDP, WS-Discovery, LLMNR, SLP, NetBIOS):
  packets to a group or broadcast address that routers do not forward, so such a flow only
  works inside one network segment.
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FTP_PORTS_WITHOUT_HELPER = "1024-65535"
"""Data ports assumed for an endpoint whose range portplan does not know (an external)."""

# Well-known discovery groups by UDP port, so a catalog flow needs only ``discovery: multicast``.
DISCOVERY_GROUPS: dict[int, tuple[str, tuple[str, ...]]] = {
    5353: ("mDNS", ("224.0.0.251", "ff02::fb")),  # RFC 6762
    1900: ("SSDP", ("239.255.255.250", "ff02::c")),  # UPnP Device Architecture 2.0
    3702: ("WS-Discovery", ("239.255.255.250", "ff02::c")),  # OASIS WS-Discovery 1.1
    5355: ("LLMNR", ("224.0.0.252", "ff02::1:3")),  # RFC 4795
    427: ("SLP", ("239.255.255.253",)),  # RFC 2608
}
BROADCAST = ipaddress.IPv4Address("255.255.255.255")


def discovery_groups(ports: list[int]) -> tuple[str, tuple[Address, ...]] | None:
    """The name and group addresses of the well-known discovery protocol on one of ``ports``."""
    for port in ports:
        known = DISCOVERY_GROUPS.get(port)
        if known is not None:
            name, groups = known
            return name, tuple(ipaddress.ip_address(g) for g in groups)
    return None
