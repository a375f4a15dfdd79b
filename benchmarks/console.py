"""The console's weight and the dashboard's time to interactive.

Sizes, from the Vite build manifest (``console/dist/.vite/manifest.json``), gzipped as the
console service and CloudFront send them:

- the shell: the entry chunk and the signed-in layout with everything they import
  statically (what every first visit loads), against a 250 KB budget;
- each route's own chunks (what opening that page adds to the shell), against the same
  budget; ECharts is its own chunk, fetched after the figures show.

Time: the dashboard interactive (``performance.mark('dashboard-ready')``, set when the
figures are on screen, from the navigation's start) in headless Chromium over the local
stack with the console service, a fresh browser context per visit (assets not cached, API
warm), against a 2 s budget.
"""

from __future__ import annotations

import gzip
import json
import statistics
import subprocess
import sys
from typing import Any

from benchmarks.harness import ROOT, Figure

DIST = ROOT / "console" / "dist"
MANIFEST = DIST / ".vite" / "manifest.json"
SHELL_BUDGET_KB = 250.0
INTERACTIVE_BUDGET_MS = 2000.0
VISITS = 7
LAYOUT = "src/components/AppLayout.vue"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run() -> list[Figure]:
    if not MANIFEST.is_file():
        raise RuntimeError("the console is not built: run `make console`")
    figures = sizes(json.loads(MANIFEST.read_text()))
    figures.append(dashboard_interactive())
    return figures


# --- sizes -----------------------------------------------------------------------------------


def closure(manifest: dict[str, Any], key: str) -> set[str]:
    """The JavaScript files of chunk ``key`` and of everything it imports statically."""
    seen: set[str] = set()
    todo = [key]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(manifest[name].get("imports", []))
    return {manifest[name]["file"] for name in seen}


def gzipped_kb(files: set[str]) -> float:
    return sum(len(gzip.compress((DIST / f).read_bytes(), 6)) for f in files) / 1024


def kb(name: str, measured: float, files: int) -> Figure:
    return Figure(name, measured, SHELL_BUDGET_KB, 1.0, "budget", files, unit="KB")


def sizes(manifest: dict[str, Any]) -> list[Figure]:
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    shell = closure(manifest, entry) | closure(manifest, LAYOUT)
    figures = [kb("console shell JS, gzipped (entry + layout)", gzipped_kb(shell), len(shell))]
    for key in sorted(manifest):
        chunk = manifest[key]
        if not chunk.get("isDynamicEntry") or key == LAYOUT or not key.endswith(".vue"):
            continue
        own = closure(manifest, key) - shell
        label = key.removeprefix("src/").removesuffix(".vue")
        figures.append(kb(f"route chunk {label}, gzipped", gzipped_kb(own), len(own)))
    lazy = [k for k, c in manifest.items() if c.get("isDynamicEntry") and k.endswith(".ts")]
    for key in lazy:
        own = closure(manifest, key) - shell
        figures.append(kb(f"lazy chunk {key.removeprefix('src/')}, gzipped", gzipped_kb(own), 1))
    return figures


# --- time to interactive ---------------------------------------------------------------------


def dashboard_interactive() -> Figure:
    from playwright.sync_api import sync_playwright

    from local_stack.stack import LocalStack, StackConfig

    with LocalStack(StackConfig.ephemeral()) as stack, sync_playwright() as playwright:
        config = stack.config
        grant = [sys.executable, "-m", "cli", "users", "grant", "zhangsan", "--role", "viewer"]
        subprocess.run(
            [*grant, "--scope", "all"],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **config.app_env()},
            check=True,
            capture_output=True,
        )
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        try:
            signed_in = _sign_in(browser, config.console_url)
            times = [_visit(browser, config.console_url, signed_in) for _ in range(VISITS)]
        finally:
            browser.close()
    return Figure(
        "dashboard interactive (fresh context, local stack)",
        statistics.median(times),
        INTERACTIVE_BUDGET_MS,
        1.0,
        "budget",
        VISITS,
    )


def _sign_in(browser: Any, base: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/signin?next=/")
    page.click("[data-test=wecom-login]")
    page.click("a.member[data-userid=zhangsan]")
    page.wait_for_selector("[data-figure=new_contacts]")
    state = context.storage_state()
    context.close()
    return state


def _visit(browser: Any, base: str, state: Any) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, storage_state=state)
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_function(
            "performance.getEntriesByName('dashboard-ready').length > 0", timeout=30_000
        )
        return float(page.evaluate("performance.getEntriesByName('dashboard-ready')[0].startTime"))
    finally:
        context.close()


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name}: {figure.measured_ms:.1f} {figure.unit} (budget {figure.floor_ms})")
