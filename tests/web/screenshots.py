"""Screenshots of the workbench's pages for docs/web.md and the README.

    .venv/bin/python tests/web/screenshots.py [--out docs]

Starts ``portplan serve`` on a free loopback port with the seed documents, the PaperCut mesh
and LUCS examples and a scratch catalog, drives the system Chromium through each page and
saves ``web-*.png``. As root it also runs the lab from the deployment page.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402

from tests.web.browser import chromium  # noqa: E402
from tests.web.conftest import wait_for  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
EXAMPLES = ROOT / "examples"


def start(catalog: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "portplan", "serve", "--port", "0",
            "--catalog", str(catalog), "--documents", str(SEEDS),
            "--deployment", str(EXAMPLES / "papercut-hive" / "mesh.yaml"),
            "--deployment", str(EXAMPLES / "luware-lucs" / "deployment.yaml"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        match = re.search(r"serving on (http://\S+)", line)
        if match:
            return process, match.group(1)
    raise SystemExit("portplan serve did not start")


def shoot(driver: Any, out: Path, name: str) -> None:
    time.sleep(0.5)
    driver.save_screenshot(str(out / f"web-{name}.png"))
    print(f"wrote {out / f'web-{name}.png'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs"))
    out = Path(parser.parse_args().out)
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start(Path(tmp))
        try:
            with chromium(width=1440, height=900) as driver:
                driver.get(url + "review?folder=seeds&document=luware-lucs.txt")
                rows = wait_for(
                    lambda: driver.find_elements(By.CSS_SELECTOR, "#flow-grid tbody tr")
                )
                rows[2].find_element(By.CSS_SELECTOR, "button.jump").click()
                ports = rows[3].find_element(By.CSS_SELECTOR, "input.ports")
                ports.clear()
                ports.send_keys("70000")
                wait_for(lambda: rows[3].find_element(By.CSS_SELECTOR, ".problem").text)
                shoot(driver, out, "review")

                driver.get(url + "catalog?q=9100")
                shoot(driver, out, "catalog")
                driver.get(url + "catalog/luware-lucs")
                shoot(driver, out, "product")

                driver.get(url + "deployments/papercut-hive-mesh")
                shoot(driver, out, "deployment")
                driver.find_element(By.ID, "filter-protocol").send_keys("udp")
                driver.execute_script("document.getElementById('matrix').scrollIntoView()")
                time.sleep(0.6)
                shoot(driver, out, "matrix")
                if os.geteuid() == 0:
                    driver.execute_script("document.getElementById('lab').scrollIntoView()")
                    driver.find_element(By.ID, "lab-run").click()
                    verdict = driver.find_element(By.ID, "lab-verdict")
                    wait_for(verdict.is_displayed, timeout=300)
                    driver.execute_script("document.getElementById('lab').scrollIntoView()")
                    shoot(driver, out, "lab")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
