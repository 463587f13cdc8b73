"""Check a firewalld configuration tree with firewalld's own readers (python3-firewall).

Run with the system Python (``/usr/bin/python3 firewalld_check.py DIR``): every zone, policy
and service XML is parsed by firewalld's SAX readers (which check names and build the rich
rules with its rich-rule parser) and each zone and policy passes ``check_config_dict`` against
the zones of its own directory. Prints one line per file and ``ok N``.
"""

import os
import sys
from xml.etree import ElementTree

from firewall.core.io.policy import policy_reader
from firewall.core.io.service import service_reader
from firewall.core.io.zone import zone_reader
from firewall.core.rich import Rich_Rule

READERS = {"zones": zone_reader, "policies": policy_reader, "services": service_reader}


def main(root: str) -> None:
    count = 0
    for dirpath, _, files in sorted(os.walk(root)):
        kind = os.path.basename(dirpath)
        if kind not in READERS:
            continue
        zones = {}
        zone_dir = os.path.join(os.path.dirname(dirpath), "zones")
        if kind == "policies" and os.path.isdir(zone_dir):
            zones = {f[:-4]: zone_reader(f, zone_dir) for f in os.listdir(zone_dir)}
        for name in sorted(files):
            obj = READERS[kind](name, dirpath)
            if kind != "services":
                everything = {
                    "zones": zones,
                    "policies": {},
                    "conf": {"FirewallBackend": "nftables"},
                }
                obj.check_config_dict(obj.export_config_dict(), everything)
                for rule in obj.rules_str:
                    Rich_Rule(rule_str=rule).check()
                # The readers log and skip a rule they cannot parse; count them back.
                written = ElementTree.parse(os.path.join(dirpath, name)).getroot().iter("rule")
                if len(list(written)) != len(obj.rules_str):
                    sys.exit(f"{dirpath}/{name}: firewalld dropped rules it could not read")
            rules = len(getattr(obj, "rules_str", []))
            print(f"{kind}/{name} rules={rules}")
            count += 1
    print(f"ok {count}")


if __name__ == "__main__":
    main(sys.argv[1])
