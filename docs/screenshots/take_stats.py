"""Screenshots of the statistics page at each level, in a real browser (Chromium via Playwright).

    python docs/screenshots/take_stats.py --base http://127.0.0.1:8050 [--out docs/screenshots]

Logs in with the demo accounts (README), visits académie (all, 1D, 2D), département, circonscription, école,
collège, classe and MEF views, and saves one full-page PNG per view. Prints console errors and callback
failures so a broken view is not mistaken for a slow one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


def login(page, base: str, user: str, password: str) -> None:  # noqa: ANN001
    """Log in through the context's request API (shares cookies with the page). Filling the form in the page
    races with the browser's own /favicon.ico fetch, which re-issues the CSRF cookie."""
    req = page.context.request
    html = req.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = req.post(f"{base}/login", form={"login": user, "password": password, "csrf_token": token, "next": "/"},
                 headers={"Origin": base, "Referer": f"{base}/login"}, max_redirects=0)
    if r.status not in (302, 303):
        raise SystemExit(f"connexion de {user} refusée ({r.status})")


def shot(page, base: str, path: str, out: Path, name: str, errors: list[str], full: bool = False) -> None:  # noqa: ANN001
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    try:
        page.wait_for_selector("#stats-synthese table", state="attached", timeout=30000)
    except Exception:  # noqa: BLE001
        errors.append(f"{name}: pas de tableau de synthèse")
    page.wait_for_timeout(1000)
    if full:
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    else:  # the top of the page: breadcrumb, form, KPIs, synthesis and evolution charts
        page.screenshot(path=str(out / f"{name}.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": 2050})
    shrink(out / f"{name}.png")
    print(f"{name}: {path}")


def first_scope(page, base: str, path: str, level: str) -> str | None:  # noqa: ANN001
    """The scope of the first drill-down link to a `level` on `path`'s page (`circonscription:974-SUD`…)."""
    page.goto(base + path)
    page.wait_for_selector("#stats-children table a", state="attached", timeout=30000)
    m = re.search(rf"scope=({level}:[^&\"]+)", page.content())
    return m.group(1) if m else None


def shrink(path: Path, width: int = 900) -> None:
    """Scale to `width` and a 128-colour palette so the committed PNGs stay small."""
    from PIL import Image

    im = Image.open(path).convert("RGB")
    if im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8050")
    ap.add_argument("--out", default=str(Path(__file__).parent))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" and "Failed to load resource" not in m.text else None)
        # DSFR icon files are not vendored (assets/dsfr has the CSS and fonts only): their 404s are not page errors.
        page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}")
                if r.status >= 400 and "/assets/dsfr/icons/" not in r.url else None)
        login(page, args.base, "pilote", "demo-pilote-974")
        page.goto(args.base + "/statistiques")
        page.wait_for_selector("#stats-synthese table", state="attached", timeout=30000)
        # Real codes, from the pages' own drill-down links.
        views = [("01-academie", "/statistiques"),
                 ("02-academie-1D", "/statistiques?scope=academie:28&degre=1D"),
                 ("03-academie-2D", "/statistiques?scope=academie:28&degre=2D")]
        circo = first_scope(page, args.base, "/statistiques?scope=academie:28&degre=1D", "circonscription")
        etab2d = first_scope(page, args.base, "/statistiques?scope=academie:28&degre=2D", "etablissement")
        views.append(("04-departement", "/statistiques?scope=departement:974"))
        if circo:
            views.append(("05-circonscription", f"/statistiques?scope={circo}"))
            if ecole := first_scope(page, args.base, f"/statistiques?scope={circo}", "etablissement"):
                views.append(("06-ecole", f"/statistiques?scope={ecole}"))
        if etab2d:
            views.append(("07-etablissement-2D", f"/statistiques?scope={etab2d}"))
            if classe := first_scope(page, args.base, f"/statistiques?scope={etab2d}", "classe"):
                views.append(("08-classe", f"/statistiques?scope={classe}"))
            views.append(("09-etablissement-par-MEF", f"/statistiques?scope={etab2d}&par=mef"))
            if mef := first_scope(page, args.base, f"/statistiques?scope={etab2d}&par=mef", "mef"):
                views.append(("10-mef", f"/statistiques?scope={mef}"))
        for name, path in views:
            if args.only and args.only not in name:
                continue
            shot(page, args.base, path.replace("&amp;", "&"), out, name, errors, full=name.startswith("07"))
        # Out-of-remit view for a head: « Accès refusé ».
        ctx2 = browser.new_context(viewport={"width": 1280, "height": 700}, locale="fr-FR")
        p2 = ctx2.new_page()
        login(p2, args.base, "chef", "demo-chef-974")
        p2.goto(args.base + "/statistiques?scope=academie:28")
        p2.wait_for_timeout(2500)
        p2.screenshot(path=str(out / "11-chef-acces-refuse.png"))
        shrink(out / "11-chef-acces-refuse.png")
        browser.close()
    for e in errors:
        print("ERREUR", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
