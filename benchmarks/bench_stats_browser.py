"""What a user waits for on « Statistiques », measured in Chromium (Playwright) against a running server.

    meteocomptes demo --port 8765 &    # the demo académie and its accounts
    python -m benchmarks.bench_stats_browser --url http://127.0.0.1:8765 [--reps 3]

For pilote (académie) and chef (établissement), from the navigation or the control change:
- top: the KPI cards and the synthesis table are on screen;
- all: every section is rendered (each chart drawn), the page being scrolled to the bottom right after `top`
  (sections below the fold are rendered when they come into view);
- blocked: the main thread's long tasks (> 50 ms) in that interval, i.e. how long the page did not respond;
- for a 1D/2D switch (pilote) and a drill step (a link of the comparison): top and idle (what is on screen done).
Medians over --reps; the machine's load average is printed, compare runs by ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from benchmarks.bench_browser import ARGS, CHROMIUM

ACCOUNTS = {"pilote": "demo-pilote-974", "chef": "demo-chef-974"}

# Long tasks are recorded from the start of each document.
INIT = """
window.__long = [];
new PerformanceObserver(l => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
  .observe({type: 'longtask', buffered: true});
"""

TOP = """() => document.querySelector('#stats-kpis .stats-kpi-row')
  && document.querySelector('#stats-synthese-table tr.stats-total')"""

# Every chart drawn, nothing loading, every section filled (a lazy one that was seen included).
DONE = """(all) => {
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  for (const g of document.querySelectorAll('.stats-graph')) if (!g.querySelector('.main-svg')) return false;
  const secs = ['stats-synthese','stats-evolution','stats-projection','stats-children','stats-heatmap',
                'stats-funnel','stats-relance'];
  for (const id of secs) {
    const el = document.getElementById(id);
    if (!el) continue;
    const sec = el.closest('[data-stats-lazy]');  // rendered when seen: not asked yet = nothing to wait for
    const pending = sec !== null && sec.getAttribute('data-stats-asked') !== sec.getAttribute('data-stats-render');
    if (el.children.length === 0 && (all || !pending)) return false;
  }
  return true;
}"""


def blocked(page, since_ms: float) -> float:  # noqa: ANN001
    return page.evaluate(f"window.__long.filter(x => x[0] >= {since_ms}).reduce((a, x) => a + x[1], 0)")


def scroll_down(page) -> None:  # noqa: ANN001
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")


def wait_all(page, deadline: float) -> None:  # noqa: ANN001
    """Scrolls through the page until every section is rendered (lazy ones render once seen)."""
    while time.perf_counter() < deadline:
        if page.evaluate(DONE, True):
            return
        page.evaluate("window.scrollBy(0, window.innerHeight)")
        page.wait_for_timeout(100)
    raise TimeoutError("sections not rendered")


def measure_load(page, url: str) -> dict[str, float]:  # noqa: ANN001
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(TOP, timeout=240_000, polling=20)
    top = time.perf_counter() - t0
    wait_all(page, t0 + 240)
    total = time.perf_counter() - t0
    page.wait_for_timeout(300)
    return {"top": top, "all": total, "blocked": blocked(page, 0) / 1000}


def measure_change(page, action, h1_re: str) -> dict[str, float]:  # noqa: ANN001
    """After `action()`, time until the h1 matches and the top is shown, then until what is on screen is done."""
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    since = page.evaluate("performance.now()")
    page.wait_for_function(TOP, timeout=240_000, polling=50)
    old_h1 = page.locator("main h1").text_content()
    t0 = time.perf_counter()
    action()
    page.wait_for_function(
        "([re, old]) => { const t = document.querySelector('main h1').textContent; return t !== old && new RegExp(re).test(t); }",
        arg=[h1_re, old_h1],
        timeout=240_000,
        polling=20,
    )
    page.wait_for_function(TOP, timeout=240_000, polling=20)
    top = time.perf_counter() - t0
    page.wait_for_function(DONE, arg=False, timeout=240_000, polling=20)
    idle = time.perf_counter() - t0
    page.wait_for_timeout(300)
    return {"top": top, "idle": idle, "blocked": blocked(page, since) / 1000}


def login(browser, url: str, who: str):  # noqa: ANN001, ANN201
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.add_init_script(INIT)
    page.route("**/favicon.ico", lambda route: route.abort())
    page.goto(f"{url}/login?next=/")
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", ACCOUNTS[who])
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    return page


def degre_switch(page, value: str):  # noqa: ANN001, ANN201
    def act() -> None:
        page.locator(f"#stats-degre input[value='{value}']").check()
        apply = page.locator("#stats-apply")
        if apply.count() and apply.is_visible() and os.environ.get("BENCH_CLICK_APPLY", "1") == "1":
            apply.click()

    return act


def drill(page):  # noqa: ANN001, ANN201
    def act() -> None:
        page.locator("#stats-children").scroll_into_view_if_needed()
        page.wait_for_function(DONE, arg=False, timeout=240_000, polling=50)
        page.locator("#stats-children a").first.click()

    return act


def run(url: str, reps: int) -> None:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict[str, float]]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(reps):
            page = login(browser, url, "pilote")
            results.setdefault("pilote: académie", []).append(measure_load(page, f"{url}/statistiques"))
            results.setdefault("pilote: 1D", []).append(
                measure_change(page, degre_switch(page, "1D"), "1er degré")
            )
            results.setdefault("pilote: 2D", []).append(
                measure_change(page, degre_switch(page, "2D"), "2nd degré")
            )
            page.goto(f"{url}/statistiques")
            page.wait_for_function(TOP, timeout=240_000)
            wait_all(page, time.perf_counter() + 240)
            page.evaluate("window.scrollTo(0, 0)")
            results.setdefault("pilote: drill", []).append(
                measure_change(page, drill(page), "Statistiques — (?!Académie)")
            )
            page.close()
            page = login(browser, url, "chef")
            results.setdefault("chef: établissement", []).append(measure_load(page, f"{url}/statistiques"))
            page.evaluate("window.scrollTo(0, 0)")
            results.setdefault("chef: drill", []).append(measure_change(page, drill(page), "."))
            page.close()
        browser.close()
    print(f"load average: {os.getloadavg()[0]:.2f} (nproc {os.cpu_count()})")
    for name, rows in results.items():
        keys = rows[0].keys()
        print(f"{name:<22}" + "  ".join(f"{k} {statistics.median(r[k] for r in rows):6.2f}s" for k in keys))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    run(a.url.rstrip("/"), a.reps)


if __name__ == "__main__":
    main()
