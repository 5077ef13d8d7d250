"""Screenshot of the workbench for the README (docs/img/workbench.png).

Starts ``buzzsim app`` on the flagship scenario, keeps "apologize 12h" as the
baseline, compares it with "apologize 2h" (20 paired replicates on the scenario's
10,000-account graph) and saves the page. Needs the app extra and /usr/bin/chromium.

    .venv/bin/python scripts/app_screenshot.py [OUT.png]
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/workbench.png")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "crisis_response", "--port", str(port)],
                            start_new_session=True)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".bz-run").wait_for(timeout=60_000)
            page.locator(".bz-crisis-strategy").first.click()
            page.locator(".menuable__content__active .v-list-item").filter(
                has=page.locator("text='apologize'")).first.click()
            for delay, keep in (("12", True), ("2", False)):
                box = page.locator(".bz-crisis-approval-delay-h input").first
                box.fill(delay)
                box.press("Enter")
                if keep:
                    page.locator(".bz-keep").click()
            page.locator(".bz-run").click()
            page.locator(".bz-serial").wait_for(timeout=600_000)
            page.locator(".bz-run", has_text="Run").wait_for(timeout=600_000)
            time.sleep(1.0)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            b.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
