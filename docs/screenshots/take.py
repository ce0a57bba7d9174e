"""Screenshots of every page of the app, at 1366 px and at 390 px, in Debian's Chromium against the demo.

    python docs/screenshots/take.py [--data-dir var/screenshots] [--out docs/screenshots] [--only statistiques]

One command, nothing to start beforehand: the demo académie is built in --data-dir when missing (`meteocomptes
demo --no-serve`, about a minute; the folder is git-ignored and kept for the next run), its store (accounts,
journal, demo emails) and result cache are emptied so that every run shows the same screens, and gunicorn is
started on a free port the way `meteocomptes serve` starts it (benchmarks/bench_browser.py), with the demo's mail
sink (MAIL_SINK_DIR) so that the support's « Courriels envoyés (démo) » page exists.

Each demo role logs in once through the real form; each page is then opened at both widths (390 px: a phone,
mobile emulation), waited for until Dash has no request in flight and the page has been quiet for a while,
scrolled to the bottom and back (the statistics sections render when they come into view: assets/stats-lazy.js)
and captured full page, `<page>-<role>-<width>.png`, height capped at MAX_HEIGHT, 128 colours. The console
searches, opens an account and notifies it by email (its confirmation dialog captured), which fills the
support's demo mailbox and the Journal, taken last. docs/screenshots/README.md is rewritten from the list below,
and the PNGs of the folder that this run did not produce are removed (not with --only).

Prints what looks wrong (a page that never settled, a login page instead of the page, a script error, an HTTP
error, content wider than the window) and then exits with 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a file: the benchmarks and this tree's packages, not an installed copy

from benchmarks.bench_browser import (  # noqa: E402
    ARGS,
    CHROMIUM,
    INIT_JS,
    PRED,
    QUIET_MS,
    login,
    prepare,
    search_term,
    start_server,
)

OUT = Path(__file__).resolve().parent
WIDTHS = {1366: 900, 390: 844}  # width → window height (a laptop, a phone)
MAX_HEIGHT = 9000  # px: a longer page is cut there (the statistics of a big scope at 390 px)
TIMEOUT_MS = 60_000
HEADING = "!!document.querySelector('#shell-content h1')"
JOURNAL_ROWS = "!!document.querySelector('#journal-table .ag-row')"  # bench_browser's PRED predates the grid
LAZY_PENDING = ("[...document.querySelectorAll('[data-stats-lazy]')]"
                ".filter(s => s.getAttribute('data-stats-render') !== s.getAttribute('data-stats-asked')).length")


@dataclass(frozen=True)
class Shot:
    page: str  # file name part, and what the README calls it
    role: str  # demo login; "" for the login page (no session)
    path: str | Callable[[dict[str, str]], str]  # a path, or built from the run's scopes
    label: str  # French caption of the README
    ready: str = HEADING  # JavaScript predicate: the page's content is there
    act: Callable[[object, dict[str, str]], None] | None = None  # before the capture: a search, a click…
    widths: tuple[int, ...] = tuple(WIDTHS)

    @property
    def stem(self) -> str:
        return f"{self.page}-{self.role}" if self.role else self.page

    def name(self, width: int) -> str:
        return f"{self.stem}-{width}"


# ------------------------------------------------------------------------------------------------ page actions


def settle(page, pred: str = "true") -> None:  # noqa: ANN001 - a Playwright page
    """Until `pred` holds, no Dash request is in flight and the DOM has been quiet for QUIET_MS (INIT_JS)."""
    page.evaluate(f"() => window.__bench.settled(() => ({pred}), {QUIET_MS}, {TIMEOUT_MS})")


def scroll_through(page) -> None:  # noqa: ANN001
    """Down one window at a time to the bottom, so that every section that renders on sight renders, then back up.
    Sections grow as they render: go on until the bottom is reached with nothing left to render."""
    for _ in range(60):
        at_bottom = page.evaluate("() => { window.scrollBy(0, Math.round(innerHeight * 0.8));"
                                  " return innerHeight + scrollY >= document.documentElement.scrollHeight - 2; }")
        settle(page)
        if at_bottom and not page.evaluate(f"() => {LAZY_PENDING}"):
            break
    page.evaluate("() => window.scrollTo(0, 0)")
    settle(page)


def console_open_and_notify(page, ctx: dict[str, str]) -> None:  # noqa: ANN001
    """Search the console, open the first account (accounts with an email only: `mail=oui`), notify it by email;
    the search and the confirmation dialog are captured on the way, the notified account is the shot itself."""
    page.fill("#resp-q", ctx["term"])
    page.press("#resp-q", "Enter")  # debounced input: Enter submits it
    settle(page, PRED["console"]["utile"])
    capture(page, ctx, "responsables-recherche")
    page.locator(".ag-row .ag-cell[col-id=responsable]").first.click()
    settle(page, "getComputedStyle(document.getElementById('resp-d-content')).display !== 'none'")
    page.locator("#resp-d-channel input[value=courriel]").check()
    page.click("#resp-d-notify")
    settle(page, "document.getElementById('resp-confirm').open"
                 " || document.getElementById('resp-confirm').classList.contains('fr-modal--opened')")
    capture(page, ctx, "responsables-confirmation", full=False)  # a modal: the window is what one sees
    page.click("#resp-confirm-ok")
    settle(page, "!document.getElementById('resp-confirm').open"
                 " && !document.getElementById('resp-confirm').classList.contains('fr-modal--opened')")
    page.locator("#resp-detail").scroll_into_view_if_needed()
    settle(page)


def open_first_email(page, ctx: dict[str, str]) -> None:  # noqa: ANN001
    if page.locator(".courriels-liste details").count():
        page.locator(".courriels-liste details summary").first.click()
        settle(page)


def open_menu(page, ctx: dict[str, str]) -> None:  # noqa: ANN001
    page.click("#shell-menu-button")
    settle(page, "document.getElementById('shell-menu').classList.contains('fr-modal--opened')")


# ------------------------------------------------------------------------------------------------ the list


def stats(level: str, role: str, label: str, scope: str | None = None, **kw: object) -> Shot:
    """A statistics view; `scope` is a key of the run's scopes (None: the role's own, its landing view)."""
    return Shot(f"statistiques-{level}", role,
                (lambda c: f"/statistiques?scope={c[scope]}") if scope else "/statistiques", label,
                ready="!!document.querySelector('#stats-synthese table')", **kw)  # type: ignore[arg-type]


SHOTS: tuple[Shot, ...] = (
    Shot("connexion", "", "/login", "Page de connexion", ready="!!document.querySelector('input[name=password]')"),
    *(Shot("accueil", r, "/", f"Accueil ({r})")
      for r in ("pilote", "ien", "directeur", "chef", "delegue", "support", "admin")),
    Shot("menu", "pilote", "/", "Menu de navigation ouvert sur téléphone", act=open_menu, widths=(390,)),
    Shot("introuvable", "pilote", "/page-inexistante", "Page introuvable (404)"),
    stats("academie", "pilote", "Statistiques de l'académie (pilote académique)"),
    stats("academie-1D", "pilote", "Statistiques de l'académie, 1er degré", "academie_1D"),
    stats("academie-2D", "pilote", "Statistiques de l'académie, 2nd degré", "academie_2D"),
    stats("departement", "pilote", "Statistiques d'un département", "departement"),
    stats("circonscription", "ien", "Statistiques de la circonscription (IEN)"),
    stats("ecole", "directeur", "Statistiques de l'école (directeur d'école)"),
    stats("etablissement", "chef", "Statistiques du collège (chef d'établissement)"),
    stats("classe", "chef", "Statistiques d'une classe du collège", "classe"),
    stats("etablissement-par-MEF", "chef", "Statistiques du collège comparées par MEF", "par_mef"),
    stats("mef", "chef", "Statistiques d'une MEF du collège", "mef"),
    Shot("acces-refuse", "chef", lambda c: f"/statistiques?scope={c['academie']}",
         "Chef d'établissement demandant l'académie : accès refusé"),
    Shot("responsables-compte", "chef", "/responsables?mail=oui",
         "Console « Responsables » : compte d'un responsable ouvert, après sa notification par courriel",
         ready=PRED["console"]["complet"], act=console_open_and_notify),
    Shot("delegations", "chef", "/delegations", "Délégations de la console (chef d'établissement)"),
    Shot("qualite", "chef", "/qualite", "Qualité des données de l'établissement (chef d'établissement)"),
    Shot("qualite", "pilote", "/qualite", "Qualité des données de l'académie (pilote : nombres par motif)"),
    Shot("responsables", "delegue", "/responsables", "Console « Responsables » du secrétaire délégataire",
         ready=PRED["console"]["complet"]),
    Shot("admin", "admin", "/admin", "Administration des comptes"),
    Shot("journal", "admin", "/journal", "Journal (administrateur : événements des comptes)",
         ready=JOURNAL_ROWS),
    Shot("courriels", "support", "/courriels", "Courriels envoyés (démo), un courriel ouvert", act=open_first_email),
    Shot("qualite", "support", "/qualite", "Qualité des données de l'académie (support : lignes en quarantaine)"),
    Shot("journal", "support", "/journal", "Journal (support académique)", ready=JOURNAL_ROWS),
)
# Captured inside a shot's action, named after it: (page, role) → label, for the README.
EXTRA = {
    ("responsables-recherche", "chef"): "Console « Responsables » : recherche faite",
    ("responsables-confirmation", "chef"): "Console « Responsables » : confirmation d'une notification par courriel",
}


# ------------------------------------------------------------------------------------------------ capture


def capture(page, ctx: dict[str, str], page_name: str | None = None, full: bool = True) -> None:  # noqa: ANN001
    """The page as it is, `ctx`'s current shot name (or `page_name` with its role and width), shrunk."""
    name = f"{page_name}-{ctx['role']}-{ctx['width']}" if page_name else ctx["name"]
    if page.evaluate("() => document.documentElement.scrollWidth > innerWidth + 1"):
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        ctx["problems"] += f"{name} : contenu plus large que la fenêtre ({wide} px)\n"
    path = Path(ctx["out"]) / f"{name}.png"
    if full:
        # The window made as tall as the page, then settled: a full-page shot resizes it behind Dash's back, and the
        # charts redrawn at that moment show blank (dcc.Loading hides a section while its chart redraws).
        size = page.viewport_size
        height = min(MAX_HEIGHT, page.evaluate("() => document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": size["width"], "height": height})
        settle(page)
        page.wait_for_timeout(500)  # dcc.Loading's delay_show: a spinner shown late would still be in the shot
        settle(page)
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path))
    shrink(path)
    ctx["taken"] += name + "\n"
    print(f"  {name}.png", flush=True)


def shrink(path: Path) -> None:
    """A 128-colour palette: the committed PNGs stay small (the pages are flat colours and text)."""
    from PIL import Image

    Image.open(path).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def take(context, shot: Shot, ctx: dict[str, str]) -> None:  # noqa: ANN001 - a Playwright context
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"erreur de script : {e}"))
    page.on("console", lambda m: errors.append(f"console : {m.text}")
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    # DSFR icon files are not vendored (assets/dsfr has the CSS and fonts only); the 404 page is one on purpose.
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and "/assets/dsfr/icons/" not in r.url and shot.page != "introuvable" else None)
    path = shot.path(ctx) if callable(shot.path) else shot.path
    try:
        page.goto(ctx["url"] + path, timeout=TIMEOUT_MS)
        if shot.role and page.url.split("?")[0].endswith("/login"):
            errors.append("page de connexion au lieu de la page")
        try:
            settle(page, shot.ready)
        except Exception as exc:  # noqa: BLE001 - captured anyway: the image shows what went wrong
            errors.append(f"jamais prête ({str(exc).splitlines()[0][:120]})")
        scroll_through(page)
        if shot.act is not None:
            shot.act(page, ctx)
            if shot.page != "menu":  # what the action changed off screen (a grid refetches its rows in view)
                scroll_through(page)
        capture(page, ctx)
    except Exception as exc:  # noqa: BLE001 - one broken page does not stop the others
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        page.close()
    for e in errors:
        ctx["problems"] += f"{ctx['name']} : {e}\n"


def scopes_of_run(d: Path) -> dict[str, str]:
    """The demo accounts' scopes, and the views reached from them (a département, a class, …)."""
    from queries import warehouse
    from queries.core.settings import Settings
    from queries.warehouse.catalog import demo_scopes

    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(d)})
    sc = demo_scopes(settings)
    uai = sc["college"].split(":", 1)[1]
    with warehouse.connect(settings) as con:
        s = con.execute("SELECT asof('full', DATE '9999-12-30')").fetchone()[0]
        dep = con.execute("SELECT min(departement_code) FROM etab_at('full', ?)", [s]).fetchone()[0]
        classe, mef = con.execute("SELECT min(classe), min(mef_code) FROM eleve_at('full', ?) WHERE uai = ?",
                                  [s, uai]).fetchone()
    return {**sc, "departement": f"departement:{dep}", "classe": f"classe:{uai}:{classe}", "mef": f"mef:{uai}:{mef}",
            "academie_1D": f"{sc['academie']}&degre=1D", "academie_2D": f"{sc['academie']}&degre=2D",
            "par_mef": f"{sc['college']}&par=mef",
            "term": search_term(d)}


def reset_store(d: Path) -> None:
    """Accounts, sessions, journal, demo emails and cached results from a previous run: gone (the warehouse stays)."""
    for f in d.glob("meteocomptes.sqlite*"):
        f.unlink()
    for sub in ("courriels", "cache"):
        shutil.rmtree(d / sub, ignore_errors=True)


def write_readme(out: Path, taken: list[str]) -> None:
    """docs/screenshots/README.md: one row per capture, in the list's order, a link per width."""
    order: dict[str, str] = {}  # file stem without its width → label
    for s in SHOTS:
        if s.act is console_open_and_notify:  # the captures taken on the way come before the shot itself
            order |= {f"{p}-{r}": text for (p, r), text in EXTRA.items()}
        order[s.stem] = s.label
    widths: dict[str, set[str]] = {}
    for name in taken:
        stem, width = name.rsplit("-", 1)
        widths.setdefault(stem, set()).add(width)
    lines = [
        "# Captures d'écran",
        "",
        "Chaque page de MétéoComptes sur la démonstration, dans Chromium, à 1366 px (ordinateur portable) et à "
        f"390 px (téléphone). Pages entières, coupées à {MAX_HEIGHT} px de haut ; fichiers "
        "`<page>-<compte>-<largeur>.png`, le compte étant celui de la démonstration qui ouvre la page.",
        "",
        "Reprises d'une seule commande, qui prépare la démonstration et lance le serveur elle-même :",
        "",
        "    python docs/screenshots/take.py",
        "",
        "| Page | Compte | 1366 px | 390 px |",
        "|---|---|---|---|",
    ]
    for stem in sorted(widths, key=lambda k: list(order).index(k) if k in order else len(order)):
        role = next((r for r in ROLES if stem.endswith("-" + r)), "—")
        cells = [f"[{w} px]({stem}-{w}.png)" if str(w) in widths[stem] else "—" for w in WIDTHS]
        lines.append(f"| {order.get(stem, stem)} | {role} | {' | '.join(cells)} |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


ROLES = ("pilote", "ien", "directeur", "chef", "delegue", "support", "admin")


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT / "var" / "screenshots",
                    help="dossier de la démonstration (gardé d'une fois sur l'autre)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--only", default="", help="seulement les captures dont le nom contient ce texte")
    args = ap.parse_args(argv)
    d, out = args.data_dir.resolve(), args.out.resolve()
    d.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    # The children (demo, gunicorn) import this tree too.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn
    t0 = time.monotonic()
    reset_store(d)
    prepare("demo", d)  # the demo académie when missing, and the demo accounts
    ctx: dict[str, str] = {"out": str(out), "taken": "", "problems": ""}
    ctx |= scopes_of_run(d)
    server = start_server(d, None, MAIL_SINK_DIR=str(d / "courriels"))
    ctx["url"] = server.url
    shots = [s for s in SHOTS if not args.only or args.only in s.page]
    try:
        with sync_playwright() as pw:
            # A French browser, as users have: date fields in JJ/MM/AAAA (needs Debian's chromium-l10n).
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, "--lang=fr-FR"],
                                         env={**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr"})
            # The support last: its Journal and demo mailbox show what the others did (the chef's notification).
            roles = sorted(dict.fromkeys(s.role for s in shots), key=lambda r: r == "support")
            for role in roles:
                state = None
                if role:
                    c = browser.new_context(locale="fr-FR")
                    c.route("**/favicon.ico", lambda route: route.abort())  # it would renew the form's CSRF cookie
                    login(c, server.url, role)
                    state = c.storage_state()
                    c.close()
                for width, height in WIDTHS.items():
                    context = browser.new_context(
                        locale="fr-FR", timezone_id="Europe/Paris", storage_state=state,
                        viewport={"width": width, "height": height}, device_scale_factor=1,
                        is_mobile=width < 992, has_touch=width < 992)
                    context.add_init_script(INIT_JS)
                    for shot in shots:
                        if shot.role == role and width in shot.widths:
                            ctx |= {"role": role, "width": str(width), "name": shot.name(width)}
                            if shot.page == "courriels":
                                wait_for_mail(d / "courriels")
                            take(context, shot, ctx)
                    context.close()
            browser.close()
    finally:
        server.stop()
    taken = ctx["taken"].split()
    if not args.only:
        for f in out.glob("*.png"):
            if f.stem not in taken:
                print(f"  supprimée : {f.name}")
                f.unlink()
        write_readme(out, taken)
    print(f"{len(taken)} captures dans {out} en {time.monotonic() - t0:.0f} s")
    problems = ctx["problems"].splitlines()
    for p in problems:
        print("À VÉRIFIER", p, file=sys.stderr)
    return 1 if problems else 0


def wait_for_mail(folder: Path, seconds: float = 90) -> None:
    """The outbox's sender thread writes the console's email within its polling interval."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(folder.glob("*.eml")):
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
