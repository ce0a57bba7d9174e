"""Browser benchmark: each page and role in Chromium against a real gunicorn server, beside a static peer.

    python -m benchmarks.bench_browser [--profile demo reunion] [--reps 5 | --quick] [--pages stats console …]

For each profile (`demo`: `meteocomptes demo --no-serve`; `reunion`: `meteocomptes generate --profile reunion`
then `meteocomptes ingest`, 8 weekly snapshots; both kept under benchmarks/out/browser-<profile>/, with the
demo accounts), 10 000 audit entries are seeded in the store, the result cache is emptied and gunicorn is started
the way `meteocomptes serve` starts it (same configuration, workers and threads) on a free port. Chromium
(Debian's, through Playwright) logs in once per role and then, N times, opens each page in a new tab and measures:

- first useful content: statistics, the KPIs and the synthesis table; console, the first grid rows; journal,
  its first rows; home, its heading and links;
- complete and responsive: every section rendered, no Dash request in flight, and neither a DOM mutation nor a
  long task (PerformanceObserver 'longtask') for 300 ms; the time reported is that of the last activity;
- on the statistics page, each control change (ticking « 2nd degré », one drill-down step) and, on
  the console, a search, to updated content and to complete.

Times come from the page's own clock (performance.now(), whose origin is the navigation start for a page load,
the click for a control change), so the driver's round trips are not counted. Peer (same run, same server,
same browser, same tab procedure): the page's final DOM saved as a static HTML file without its scripts, the
same size and the same markup, served by the same gunicorn workers through the same Flask hooks
(benchmarks/browser_wsgi.py) and judged by the same predicates; the ratio says what Dash, the callbacks and the
queries cost over a plain page. The first repetition runs on an empty result cache and a cold browser cache:
it is shown apart (« 1re »); targets are judged on p95 over all repetitions.

Output: a Markdown table, printed and written to benchmarks/results/browser.md (--markdown to change).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from queries.services.demo_users import DEMO_ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORDS = {login: password for login, password, *_ in DEMO_ACCOUNTS}  # every demo role's login
JOURNAL_ROWS = 10_000
SEED_IP = "192.0.2."  # TEST-NET-1: marks the seeded audit entries
QUIET_MS = 300
TIMEOUT_MS = 90_000
TARGETS = {  # (page, measure) → ms, from the issue « Fast in the browser »
    ("stats", "utile"): 500,
    ("stats", "complet"): 2000,
    ("stats", "2nd degré → contenu"): 1000,
    ("stats", "descente → contenu"): 1000,
    ("journal", "utile"): 1000,
    ("console", "recherche → lignes"): 1000,
}
PAGES = {  # key → (French label, path, roles)
    "stats": ("Statistiques", "/statistiques", ("pilote", "ien", "chef")),
    "console": ("Responsables", "/responsables", ("chef", "support")),
    "accueil": ("Accueil", "/", ("pilote",)),
    "journal": ("Journal", "/journal", ("support", "admin")),  # last: it may freeze its tab (see run_profile)
}
MEASURE_LABEL = {
    "utile": "1er contenu utile",
    "complet": "page complète et réactive",
    "2nd degré → contenu": "« 2nd degré » → contenu à jour",
    "2nd degré → complet": "« 2nd degré » → page complète",
    "descente → contenu": "descente d'un niveau → contenu à jour",
    "descente → complet": "descente d'un niveau → page complète",
    "recherche → lignes": "recherche → 1res lignes",
    "recherche → complet": "recherche → page complète",
}

# Installed before any page script: counts Dash requests in flight, dates the last DOM mutation and the end of
# the last long task, and offers settled(), which resolves once the page has been quiet for `quiet` ms.
INIT_JS = """
(() => {
  const b = window.__bench = {pending: 0, last: 0, lt: 0, mut: 0, ltSum: 0, ltMax: 0};
  const of = window.fetch;
  window.fetch = function (input) {
    const url = String((input && input.url) || input);
    if (url.indexOf('/_dash-') < 0) return of.apply(this, arguments);
    b.pending++; b.last = performance.now();
    const done = () => { b.pending--; b.last = performance.now(); };
    return of.apply(this, arguments).then(r => { done(); return r; }, e => { done(); throw e; });
  };
  try {
    new PerformanceObserver(l => {
      for (const e of l.getEntries()) {
        b.lt = Math.max(b.lt, e.startTime + e.duration); b.ltSum += e.duration; b.ltMax = Math.max(b.ltMax, e.duration);
      }
    })
      .observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long-task API: DOM mutations and requests still count */ }
  new MutationObserver(() => { b.mut = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  b.settled = (pred, quiet, timeout) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    let since = 0;
    const tick = () => {
      const now = performance.now();
      let ok = false;
      try { ok = !!pred(); } catch (e) { ok = false; }
      since = ok ? (since || now) : 0;
      const act = Math.max(b.last, b.lt, b.mut);
      if (ok && b.pending === 0 && now - act >= quiet) return resolve(Math.max(act, since));
      if (now - t0 > timeout) return reject(new Error('page jamais stabilisée'));
      setTimeout(tick, 20);
    };
    tick();
  });
})();
"""

STATS_SECTIONS = (
    "stats-kpis",
    "stats-synthese",
    "stats-evolution",
    "stats-projection",
    "stats-children",
    "stats-heatmap",
    "stats-funnel",
    "stats-relance",
)
PRED = {
    "stats": {
        "utile": "document.querySelectorAll('#stats-kpis .stats-kpi').length >= 3"
        " && !!document.querySelector('#stats-synthese-table tr.stats-total')",
        # Sections below the fold render when scrolled to (assets/stats-lazy.js): complete = every section
        # within the viewport (and the script's 150 px margin) rendered.
        "complet": json.dumps(list(STATS_SECTIONS))
        + ".every(i => { const e = document.getElementById(i);"
        " return !e || e.childElementCount > 0 || e.getBoundingClientRect().top > innerHeight + 150; })"
        # … and every chart in view drawn (Plotly loads and draws after its section's answer)
        " && [...document.querySelectorAll('.dash-graph')]"
        ".every(g => g.getBoundingClientRect().top > innerHeight + 150 || !!g.querySelector('.main-svg'))"
        " && !!document.querySelector('#stats-synthese-table')",
    },
    "console": {
        "utile": "[...document.querySelectorAll('.ag-center-cols-container .ag-row')]"
        ".some(r => (r.querySelector('[col-id=eleve]') || {}).textContent)",
        "complet": "!!document.querySelector('#resp-count') && document.querySelector('#resp-count').textContent"
        " && !!document.querySelector('.ag-center-cols-container .ag-row')",
    },
    "journal": {
        "utile": "[...document.querySelectorAll('#journal-table .ag-center-cols-container .ag-row')]"
        ".some(r => (r.textContent || '').trim())",
        "complet": "!!(document.querySelector('#journal-count') || {}).textContent"
        " && !!document.querySelector('#journal-table .ag-center-cols-container .ag-row')",
    },
    "accueil": {
        "utile": "/Bienvenue/.test((document.querySelector('main h1') || {}).textContent || '')"
        " && !!document.querySelector('main ul li a')",
        "complet": "!!document.querySelector('main ul li a')",
    },
}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


# ------------------------------------------------------------------------------------------------ data


def data_dir(profile: str, base: Path | None) -> Path:
    return (base or ROOT / "benchmarks" / "out") / f"browser-{profile}"


def bench_env(d: Path, **extra: str) -> dict[str, str]:
    """The children's environment: none of the caller's MétéoComptes settings (a DATABASE_URL, a REDIS_URL, a
    warehouse elsewhere would send the seeded entries or the cache away from the bench), only its data dir."""
    from queries.core.settings import SETTINGS

    names = {s.name for s in SETTINGS}
    return {
        **{k: v for k, v in os.environ.items() if k not in names},
        "METEOCOMPTES_DATA_DIR": str(d),
        **extra,
    }


def prepare(profile: str, d: Path) -> None:
    """Snapshots, warehouse and demo accounts, built once and kept."""
    from queries import warehouse
    from queries.core.settings import Settings

    env = bench_env(d)
    mc = [sys.executable, "-m", "meteocomptes.cli"]
    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(d)})
    if profile != "demo" and warehouse.current_target(settings.warehouse_dir) is None:
        snap = d / "snapshots"
        if not snap.exists():
            print(f"Génération du profil {profile} dans {snap}…", flush=True)
            subprocess.run(
                [
                    *mc,
                    "generate",
                    "--profile",
                    profile,
                    "--seed",
                    "1",
                    "--start",
                    "2026-09-01",
                    "--days",
                    "50",
                    "--every",
                    "7",
                    "--out",
                    str(snap),
                ],
                check=True,
                env=env,
            )
        print("Ingestion…", flush=True)
        subprocess.run(
            [*mc, "ingest", "--force", *sorted(str(p) for p in snap.iterdir() if p.is_dir())],
            check=True,
            env=env,
        )
    # `demo --no-serve`: generates the demo académie when the warehouse is missing, then the demo accounts.
    subprocess.run([*mc, "demo", "--no-serve"], check=True, env=env, stdout=subprocess.DEVNULL)


def seed_journal(d: Path, n: int = JOURNAL_ROWS) -> int:
    """n audit entries of the last 30 days, half data events of the académie's scopes (support reads them), half
    account events (admin reads them). Idempotent: entries are marked by their TEST-NET address."""
    import sqlalchemy as sa

    from queries.core.clock import utcnow
    from queries.core.settings import Settings
    from queries.store import audit, engine, init_db
    from queries.warehouse.catalog import demo_scopes

    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(d)})
    init_db(settings)
    sc = demo_scopes(settings)
    uai = sc["college"].split(":", 1)[1]
    t = audit.audit_log
    with engine(settings).begin() as con:
        have = con.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.ip.like(SEED_IP + "%"))
        ).scalar_one()
        if have >= n:
            return have
        now = utcnow()
        rows = []
        for i in range(have, n):
            at = now - timedelta(seconds=i * 250)  # 10 000 entries over ~29 days, inside the retention
            if i % 2:
                rows.append(
                    {
                        "at": at,
                        "login": "chef",
                        "role": "chef",
                        "actor_scope": sc["college"],
                        "action": ("search", "view", "export", "notify")[i % 4],
                        "scope": sc["college"],
                        "uai": uai,
                        "targets": json.dumps([f"resp.{i:05d}"]),
                        "detail": json.dumps({"lignes": i % 97}),
                        "outcome": "ok",
                        "ip": f"{SEED_IP}{i % 250}",
                    }
                )
            else:
                rows.append(
                    {
                        "at": at,
                        "login": ("pilote", "ien", "support")[i % 3],
                        "role": ("pilote", "ien", "support")[i % 3],
                        "actor_scope": sc["academie"],
                        "action": ("login_ok", "user_created")[(i // 2) % 2],
                        "scope": None,
                        "uai": None,
                        "targets": None,
                        "detail": None,
                        "outcome": "ok",
                        "ip": f"{SEED_IP}{i % 250}",
                    }
                )
        con.execute(t.insert(), rows)
    return n


def search_term(d: Path) -> str:
    """Four letters of a surname of the chef's collège, as typed (lower case): hits rows for chef and support."""
    from queries import warehouse
    from queries.core.settings import Settings
    from queries.warehouse.catalog import demo_scopes

    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(d)})
    uai = demo_scopes(settings)["college"].split(":", 1)[1]
    with warehouse.connect(settings) as con:
        words = [
            r[0]
            for r in con.execute(
                "SELECT split_part(k_all, ' | ', 2) FROM console_row WHERE uai = ? ORDER BY rid LIMIT 200",
                [uai],
            ).fetchall()
        ]
    for w in words:
        for part in (w or "").split():
            if len(part) >= 5 and part.isalpha():
                return part[1:5]  # an infix: the search is not a prefix search
    return "mar"


# ------------------------------------------------------------------------------------------------ server


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_server(d: Path, workers: int | None, target: str = "meteocomptes.wsgi:server", **env: str) -> Server:
    """gunicorn as `meteocomptes serve` runs it (meteocomptes/serve.py), on `target` (the bench: its
    benchmarks.browser_wsgi), with `env` added to the data dir's environment."""
    from meteocomptes.serve import GUNICORN_CONFIG

    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    # Result cache: the filesystem one under d (no REDIS_URL passes), emptied by the caller.
    env = bench_env(d, **env)
    cmd = [
        gunicorn,
        "--config",
        GUNICORN_CONFIG,
        "--bind",
        f"127.0.0.1:{port}",
        "--threads",
        "4",
        "--timeout",
        "60",
        *(["--workers", str(workers)] if workers else []),
        target,
    ]
    log = (d / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {proc.returncode}) : voir {d / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=5) as r:  # noqa: S310 (our own localhost server)
                if r.status == 200:
                    return Server(url, proc)
        except OSError:
            time.sleep(0.5)
    Server(url, proc).stop()
    raise RuntimeError("gunicorn ne répond pas après 120 s")


# ------------------------------------------------------------------------------------------------ browser


@dataclass
class Results:
    ms: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)  # (page, role, measure) → ms
    peer: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    peer_bytes: dict[tuple[str, str], int] = field(default_factory=dict)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    longtasks: dict[tuple[str, str], list[tuple[float, float]]] = field(
        default_factory=dict
    )  # (total, longest)
    failures: list[str] = field(default_factory=list)
    timeouts: set[tuple[str, str]] = field(default_factory=set)  # (page, role) whose content never came

    def add(self, into: dict, key: tuple[str, str, str], value: float | None) -> None:
        if value is not None:
            into.setdefault(key, []).append(value)


def until(page, pred: str, timeout: int = TIMEOUT_MS) -> float:  # noqa: ANN001 - a Playwright page
    """performance.now() at the first animation frame where `pred` holds."""
    return float(
        page.wait_for_function(
            f"() => ({pred}) && performance.now()", polling="raf", timeout=timeout
        ).json_value()
    )


def settled(page, pred: str) -> float:  # noqa: ANN001
    return float(page.evaluate(f"() => window.__bench.settled(() => ({pred}), {QUIET_MS}, {TIMEOUT_MS})"))


def login(context, url: str, role: str) -> None:  # noqa: ANN001 - a Playwright context
    import re

    page = context.new_page()
    page.goto(f"{url}/login?next=/")
    page.fill("input[name=login]", role)
    page.fill("input[name=password]", PASSWORDS[role])
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*127\.0\.0\.1:\d+/(\?.*)?$"), timeout=TIMEOUT_MS)
    page.close()


def snapshot_html(page) -> str:  # noqa: ANN001
    """The rendered DOM as a static page: scripts removed, everything else (styles, SVG of the charts) kept."""
    return page.evaluate("""() => {
        const c = document.documentElement.cloneNode(true);
        c.querySelectorAll('script, link[rel=modulepreload]').forEach(s => s.remove());
        return '<!DOCTYPE html>\\n' + c.outerHTML;
    }""")


def measure_page(
    context,  # noqa: ANN001 - a Playwright context
    url: str,
    key: str,
    role: str,
    rep: int,
    res: Results,
    peer_dir: Path,
    extra: dict[str, str],
) -> bool:
    """One repetition of the page (and its controls); False when the page itself did not load in time."""
    label, path, _ = PAGES[key]
    page = context.new_page()
    try:
        page.goto(url + path, wait_until="commit", timeout=TIMEOUT_MS)
        res.add(res.ms, (key, role, "utile"), until(page, PRED[key]["utile"]))
        res.add(res.ms, (key, role, "complet"), settled(page, PRED[key]["complet"]))
        lt_sum, lt_max = page.evaluate("() => [__bench.ltSum, __bench.ltMax]")
        res.longtasks.setdefault((key, role), []).append((lt_sum, lt_max))
        if rep == 0:
            html = snapshot_html(page)
            (peer_dir / f"{key}-{role}.html").write_text(html, encoding="utf-8")
            res.peer_bytes[(key, role)] = len(html.encode())
            if key == "journal":
                res.notes[(key, role)] = page.locator("#journal-count").inner_text()
            if key == "console":
                res.notes[(key, role)] = (
                    f"{page.locator('#resp-count').inner_text()} ; recherche « {extra['term']} »"
                )
        if key == "stats":
            stats_controls(page, role, res)
        if key == "console":
            console_search(page, role, extra["term"], res)
        page.close()
    except Exception as exc:  # noqa: BLE001 - a page that never settles is a result to report, not a crash
        # Not closed: a tab whose main thread is frozen does not close before it thaws; its browser is killed.
        res.failures.append(f"{label} / {role} / rép. {rep + 1} : {str(exc).splitlines()[0][:160]}")
        if len(res.ms.get((key, role, "utile"), [])) <= rep:
            res.timeouts.add((key, role))
    return (key, role, "complet") in res.ms and len(res.ms[(key, role, "complet")]) > rep


def change(page, res: Results, key: tuple[str, str], name: str, act: Callable[[], float], watch: str) -> None:  # noqa: ANN001
    """Run `act` (returns performance.now() of the click), then time the updated content and the settled page."""
    before = page.evaluate(f"() => ({watch})")
    t0 = act()
    updated = f"({watch}) !== {json.dumps(before)} && ({PRED['stats']['utile']})"
    res.add(res.ms, (*key, f"{name} → contenu"), until(page, updated) - t0)
    res.add(
        res.ms, (*key, f"{name} → complet"), settled(page, f"{updated} && ({PRED['stats']['complet']})") - t0
    )


def stats_controls(page, role: str, res: Results) -> None:  # noqa: ANN001
    # What changes with the view: the synthesis caption (scope, degree) and the KPIs' figures.
    watch = (
        "(document.querySelector('#stats-synthese-table caption') || {}).textContent + '|' + "
        "(document.querySelector('#stats-kpis') || {}).textContent"
    )
    if page.locator("#stats-degre input[value='2D']").is_visible():

        def pick_2d() -> float:  # the controls apply on change: ticking the radio is the whole gesture
            return float(
                page.evaluate(
                    "() => { document.querySelector(\"#stats-degre input[value='2D']\").click();"
                    " return performance.now(); }"
                )
            )

        change(page, res, ("stats", role), "2nd degré", pick_2d, watch)
    # The comparison is rendered when scrolled to (assets/stats-lazy.js): brought into view as a reader would.
    if page.locator("#stats-children").count():
        page.locator("#stats-children").scroll_into_view_if_needed()
        try:
            page.wait_for_selector("#stats-children a", timeout=TIMEOUT_MS)
        except Exception:  # noqa: BLE001 - no sub-perimeter to go down to (a class): no drill-down step
            pass
    if page.locator("#stats-children a").count():

        def drill() -> float:
            return float(
                page.evaluate(
                    "() => { document.querySelector('#stats-children a').click(); return performance.now(); }"
                )
            )

        change(page, res, ("stats", role), "descente", drill, watch)


def console_search(page, role: str, term: str, res: Results) -> None:  # noqa: ANN001
    rows = (
        "[...document.querySelectorAll('.ag-center-cols-container .ag-row')].slice(0, 5)"
        ".map(r => (r.querySelector('[col-id=eleve]') || {}).textContent || '').join('|')"
    )
    count = "(document.querySelector('#resp-count') || {}).textContent"
    before_rows, before_count = page.evaluate(f"() => [{rows}, {count}]")
    page.fill("#resp-q", term)
    t0 = float(page.evaluate("() => performance.now()"))
    page.press("#resp-q", "Enter")  # the input is debounced: Enter submits it, as people do
    new = (
        f"{count} !== {json.dumps(before_count)} && ({rows}) !== {json.dumps(before_rows)} "
        f"&& ({PRED['console']['utile']})"
    )
    res.add(res.ms, ("console", role, "recherche → lignes"), until(page, new) - t0)
    res.add(res.ms, ("console", role, "recherche → complet"), settled(page, new) - t0)


def measure_peer(context, url: str, key: str, role: str, res: Results) -> None:  # noqa: ANN001
    page = context.new_page()
    try:
        page.goto(f"{url}/bench-peer/{key}-{role}.html", wait_until="commit", timeout=TIMEOUT_MS)
        res.add(res.peer, (key, role, "utile"), until(page, PRED[key]["utile"]))
        res.add(res.peer, (key, role, "complet"), settled(page, PRED[key]["complet"]))
    except Exception as exc:  # noqa: BLE001
        res.failures.append(f"pair {key} / {role} : {str(exc).splitlines()[0][:160]}")
    finally:
        page.close()


def run_profile(profile: str, d: Path, pages: list[str], reps: int, workers: int | None) -> Results:
    from playwright.sync_api import sync_playwright

    from queries.core.settings import Settings

    prepare(profile, d)
    n = seed_journal(d)
    term = search_term(d)
    print(f"[{profile}] journal : {n} entrées d'essai ; terme de recherche « {term} »", flush=True)
    shutil.rmtree(Settings.from_env({"METEOCOMPTES_DATA_DIR": str(d)}).cache_dir, ignore_errors=True)
    peer_dir = d / "peer"
    shutil.rmtree(peer_dir, ignore_errors=True)
    peer_dir.mkdir(parents=True)
    server = start_server(d, workers, "benchmarks.browser_wsgi:server", BENCH_PEER_DIR=str(peer_dir))
    res = Results()
    try:
        with sync_playwright() as pw:
            roles = list(dict.fromkeys(r for k in pages for r in PAGES[k][2]))
            for role in roles:
                # One browser per role: a page that froze its renderer (the journal, see the README) is killed
                # with its browser instead of slowing the next role's pages, which would share that renderer.
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 900})
                # The favicon request lands on /login (no session yet) and would renew the login form's CSRF cookie.
                context.route("**/favicon.ico", lambda route: route.abort())
                context.add_init_script(INIT_JS)
                login(context, server.url, role)
                for key in pages:
                    if role not in PAGES[key][2]:
                        continue
                    for rep in range(reps):
                        if not measure_page(
                            context, server.url, key, role, rep, res, peer_dir, {"term": term}
                        ):
                            break  # a page that did not load within TIMEOUT_MS: once is enough to report
                    if (peer_dir / f"{key}-{role}.html").exists():
                        for _ in range(reps):
                            measure_peer(context, server.url, key, role, res)
                    print(
                        f"[{profile}] {PAGES[key][0]} / {role} : "
                        + ", ".join(
                            f"{m} {statistics.median(v):.0f} ms"
                            for (k, r, m), v in res.ms.items()
                            if k == key and r == role
                        ),
                        flush=True,
                    )
                browser.close()
    finally:
        server.stop()
    return res


# ------------------------------------------------------------------------------------------------ report


def fmt_ms(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def table(profile: str, res: Results) -> list[str]:
    out = [
        "| page | rôle | mesure | médiane | p95 | 1re | pair médiane | rapport | cible (p95) |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for (key, role, m), xs in res.ms.items():
        peer = res.peer.get((key, role, "complet" if m.endswith("complet") else "utile"))
        pm = statistics.median(peer) if peer else None
        med, p95 = statistics.median(xs), pct(xs, 0.95)
        target = TARGETS.get((key, m))
        verdict = "—" if target is None else f"< {fmt_ms(target)} ms {'✔' if p95 < target else '✘'}"
        ratio = f"×{med / pm:.1f}" if pm else "—"
        out.append(
            f"| {PAGES[key][0]} | {role} | {MEASURE_LABEL[m]} | {fmt_ms(med)} | {fmt_ms(p95)} | "
            f"{fmt_ms(xs[0])} | {fmt_ms(pm) if pm else '—'} | {ratio} | {verdict} |"
        )
    for key, role in sorted(res.timeouts):
        if (key, role, "utile") in res.ms:
            continue
        target = TARGETS.get((key, "utile"))
        verdict = "—" if target is None else f"< {fmt_ms(target)} ms ✘"
        out.append(
            f"| {PAGES[key][0]} | {role} | {MEASURE_LABEL['utile']} | > {fmt_ms(TIMEOUT_MS)} (délai dépassé) "
            f"| | | | | {verdict} |"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", nargs="+", default=["demo", "reunion"], choices=["demo", "reunion"])
    ap.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2 repetitions")
    ap.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: WEB_CONCURRENCY)")
    ap.add_argument(
        "--data-dir", type=Path, default=None, help="parent of the browser-<profile> data folders"
    )
    ap.add_argument("--markdown", type=Path, default=ROOT / "benchmarks" / "results" / "browser.md")
    args = ap.parse_args(argv)
    reps = 2 if args.quick else args.reps
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn
    if not os.path.exists(CHROMIUM):
        print(
            f"Chromium absent ({CHROMIUM}) : apt-get install chromium (scripts/system-deps.sh)",
            file=sys.stderr,
        )
        return 2
    load0 = os.getloadavg()
    md = ["# Dans le navigateur (Chromium, serveur gunicorn réel)", ""]
    ok = True
    for profile in args.profile:
        d = data_dir(profile, args.data_dir)
        d.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        res = run_profile(profile, d, args.pages, reps, args.workers)
        load = os.getloadavg()
        md += [
            f"## Profil `{profile}` — {reps} répétitions, {time.perf_counter() - t:.0f} s, charge de la machine "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1, 5, 15 min ; {os.cpu_count()} cœurs)",
            "",
        ]
        md += table(profile, res)
        md.append("")
        for (key, role), b in res.peer_bytes.items():
            note = res.notes.get((key, role))
            lt = res.longtasks.get((key, role)) or [(0.0, 0.0)]
            md.append(
                f"- {PAGES[key][0]} / {role} : pair statique de {b / 1024:.0f} Kio ; tâches longues au chargement "
                f"(médiane) : {fmt_ms(statistics.median(x[0] for x in lt))} ms en tout, la plus longue "
                f"{fmt_ms(statistics.median(x[1] for x in lt))} ms" + (f" ; {note}" if note else "")
            )
        if res.failures:
            ok = False
            md += ["", "Échecs :", *[f"- {f}" for f in res.failures]]
        md.append("")
        args.markdown.parent.mkdir(parents=True, exist_ok=True)  # each profile kept as soon as measured
        args.markdown.write_text("\n".join(md) + "\n", encoding="utf-8")
    md.append(
        f"Charge au départ : {load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f}. Temps en ms (horloge de la page) ; "
        "cible jugée sur le p95 ; « 1re » = première répétition (cache de résultats vide, cache du "
        "navigateur froid) ; rapport = médiane / médiane du pair (le DOM final de la page en HTML statique "
        "sans scripts, servi par le même gunicorn)."
    )
    text = "\n".join(md) + "\n"
    print("\n" + text)
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
