"""Benchmark of the statistics queries against the naive way, in the same run.

    python -m benchmarks.bench_stats --profile reunion [--days 50 --every 7] [--reps 30] [--dir var/bench-stats]

Generates and ingests the profile once (kept under --dir), then for each statistics query and a few scopes
(académie, circonscription, collège, classe) times:
- cold: a freshly opened read-only warehouse connection (new worker, empty DuckDB buffers), no result cache;
- warm: connection open and buffers warm, no result cache (what a cache miss costs);
- cached: through the page's Flask-Caching layer (`data.cached`, FileSystemCache), after the SQL remit check;
- naive: the same aggregation as most Dash apps do it, a pandas group-by on the raw snapshot tables already
  loaded in memory (file reading excluded, which favours pandas), with the same distinct-count rule.
It prints p50/p95 in milliseconds and the naive/warm ratio, and writes the table as Markdown (--markdown).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from queries import warehouse
from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.warehouse import stats, stats_series

ROOT = Path(__file__).resolve().parent.parent


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


def timeit(fn: Callable[[], object], reps: int, before: Callable[[], None] | None = None) -> list[float]:
    out = []
    for _ in range(reps):
        if before:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def prepare(args: argparse.Namespace) -> tuple[Settings, Path]:
    base = Path(args.dir).resolve()
    snap = base / "snap"
    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(base / "var")})
    mc = [sys.executable, "-m", "meteocomptes.cli"]
    if not snap.exists():
        subprocess.run([*mc, "generate", "--profile", args.profile, "--seed", "1", "--start", args.start,
                        "--days", str(args.days), "--every", str(args.every), "--out", str(snap)], check=True)
    if warehouse.current_target(settings.warehouse_dir) is None:
        subprocess.run([*mc, "ingest", *sorted(str(p) for p in snap.iterdir())], check=True,
                       env={**__import__("os").environ, "METEOCOMPTES_DATA_DIR": str(base / "var")})
    return settings, snap


# ------------------------------------------------------------------------------------------------ naive


class Naive:
    """Raw snapshot tables in pandas, per date; the aggregation done per request with group-bys."""

    def __init__(self, snap: Path, dates: list[date]) -> None:
        self.t: dict[date, dict[str, pd.DataFrame]] = {}
        t0 = time.perf_counter()
        for d in dates:
            folder = snap / d.isoformat()

            def read(name: str, cols: list[str], folder: Path = folder) -> pd.DataFrame:
                return pd.read_csv(folder / f"{name}.csv", sep=";", usecols=cols, dtype=str)

            self.t[d] = {
                "etab": read("etablissements", ["uai", "degre", "circonscription_code", "departement_code",
                                                "academie_code"]),
                "eleve": read("eleves", ["ine", "uai", "classe", "mef_code"]),
                "resp": read("responsables", ["responsable_id", "identifiant"]),
                "lien": read("liens", ["responsable_id", "ine"]),
                "compte": read("comptes", ["identifiant", "origine", "etat", "date_notification", "date_activation"]),
            }
        self.load_seconds = time.perf_counter() - t0

    def pairs(self, d: date, scope: Scope) -> pd.DataFrame:
        t = self.t[d]
        e = t["etab"]
        col = {"academie": "academie_code", "departement": "departement_code",
               "circonscription": "circonscription_code"}.get(scope.level.value, "uai")
        e = e[e[col] == scope.code]
        el = t["eleve"][t["eleve"]["uai"].isin(e["uai"])]
        if scope.level.value == "classe":
            el = el[el["classe"] == scope.sub]
        elif scope.level.value == "mef":
            el = el[el["mef_code"] == scope.sub]
        m = el.merge(t["lien"], on="ine").merge(t["resp"], on="responsable_id").merge(t["compte"], on="identifiant")
        return m

    def synthese(self, d: date, scope: Scope) -> pd.DataFrame:
        m = self.pairs(d, scope)
        return m.groupby(["origine", "etat"])["identifiant"].nunique()

    def funnel(self, d: date, scope: Scope, week: date) -> pd.DataFrame:
        m = self.pairs(d, scope)
        dn = pd.to_datetime(m["date_notification"], errors="coerce")
        da = pd.to_datetime(m["date_activation"], errors="coerce")
        wk = dn - pd.to_timedelta(dn.dt.day_of_week, unit="D")
        lag = (da - dn).dt.days
        m = m.assign(a7=m["identifiant"].where((lag >= 0) & (lag <= 7)),
                     a30=m["identifiant"].where((lag >= 0) & (lag <= 30)))
        m = m[wk == pd.Timestamp(week)]
        key = "classe" if scope.level.value == "etablissement" else "uai"
        return m.groupby(key).agg(n=("identifiant", "nunique"), a7=("a7", "nunique"), a30=("a30", "nunique"))

    def evolution(self, scope: Scope) -> pd.DataFrame:
        return pd.concat({d: self.synthese(d, scope) for d in self.t})

    def children(self, d: date, scope: Scope) -> pd.DataFrame:
        m = self.pairs(d, scope)
        key = "classe" if scope.level.value == "etablissement" else "uai"
        m = m.assign(act=m["identifiant"].where(m["etat"] == "ACTIVE"))
        return m.groupby(key).agg(comptes=("identifiant", "nunique"), actives=("act", "nunique"))


# ------------------------------------------------------------------------------------------------ callbacks


def callbacks_end_to_end(settings: Settings, scopes: dict[str, Scope], args: argparse.Namespace,
                         header: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every section callback of the page as the browser calls it (HTTP POST /_dash-update-component through
    the Flask test client, logged-in session, access checks, rendering): cold = result cache cleared and
    warehouse reopened; warm = Flask-Caching hit after the remit check. Also the whole page (sum of sections)."""
    import json
    import re

    from dashboard.app import create_app
    from dashboard.cache import cache
    from dashboard.pages.statistiques.callbacks import SECTIONS
    from dashboard.pages.statistiques.ids import LAZY, Ids
    from queries.store import users

    app = create_app(settings)
    login, password = "bench.pilote", "Bench-Pilote-2026!x"
    if users.find_user(settings, login) is None:
        users.create_user(settings, login, "pilote", str(scopes["académie"]), "Bench", password=password)
    client = app.server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"login": login, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.status_code
    # The page itself (its layout carries the KPIs and the synthesis: what the browser fetches first, with the
    # page's address as Referer), then every section below, as seen (its « seen » store set).
    sections = ["page", *SECTIONS]

    def call(out_id: str, scope: Scope) -> None:
        if out_id == "page":
            resp = client.get("/_dash-layout", headers={"Referer": f"http://localhost/statistiques?scope={scope}"})
            assert resp.status_code == 200 and str(Ids.SYNTHESE) in resp.get_data(as_text=True), resp.status_code
            return
        inputs = [{"id": str(Ids.VIEW), "property": "data", "value": {"scope": str(scope)}},
                  {"id": str(LAZY[out_id]), "property": "data", "value": 1}]
        body = {"output": f"{out_id}.children", "outputs": {"id": str(out_id), "property": "children"},
                "inputs": inputs, "changedPropIds": [f"{Ids.VIEW}.data"], "state": []}
        resp = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        assert resp.status_code in (200, 204), (out_id, resp.status_code, resp.get_data(as_text=True)[:200])

    def clear() -> None:
        with app.server.app_context():
            cache.clear()
        warehouse._state = None

    out = []
    print("\nRappels HTTP de la page (rendu compris) :")
    for sname, scope in scopes.items():
        page_cold, page_warm = [], []
        for out_id in sections:
            cold = timeit(lambda o=out_id, sc=scope: call(o, sc), args.cold_reps, clear)
            call(out_id, scope)
            warm = timeit(lambda o=out_id, sc=scope: call(o, sc), args.reps)
            page_cold.append(cold)
            page_warm.append(warm)
            row = ("page (indicateurs + synthèse)" if out_id == "page" else f"rappel {out_id}", sname, f"{statistics.median(cold):.1f}", f"{pct(cold, .95):.1f}",
                   f"{statistics.median(warm):.1f}", f"{pct(warm, .95):.1f}", "–", "–", "–")
            out.append(row)
            print(" | ".join(row), flush=True)
        tot_cold = [sum(x) for x in zip(*page_cold, strict=True)]
        tot_warm = [sum(x) for x in zip(*page_warm, strict=True)]
        row = ("PAGE ENTIÈRE (somme des rappels)", sname, f"{statistics.median(tot_cold):.0f}",
               f"{pct(tot_cold, .95):.0f}", f"{statistics.median(tot_warm):.0f}", f"{pct(tot_warm, .95):.0f}",
               "–", "–", "–")
        out.append(row)
        print(" | ".join(row), flush=True)
    return out


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="reunion", choices=["demo", "reunion", "national"])
    ap.add_argument("--start", default="2026-09-01")
    ap.add_argument("--days", type=int, default=50)
    ap.add_argument("--every", type=int, default=7)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--cold-reps", type=int, default=8)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--markdown", default=None, help="write the result table to this Markdown file")
    ap.add_argument("--warehouse", default=None,
                    help="an already ingested warehouse folder (e.g. bench_ingest --profile national --workdir W "
                         "leaves W/warehouse): no generation, and no pandas peer (it does not fit in 8 GB there)")
    args = ap.parse_args(argv)
    args.dir = args.dir or str(ROOT / "var" / f"bench-stats-{args.profile}")
    if args.warehouse:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(Path(args.dir).resolve()),
                                      "METEOCOMPTES_WAREHOUSE": str(Path(args.warehouse).resolve())})
        snap = None
    else:
        settings, snap = prepare(args)

    from queries.warehouse import catalog

    sc = catalog.demo_scopes(settings)
    ds = stats_series.dates(settings)
    s = ds[-1]
    aca = Scope.parse(sc["academie"])
    with warehouse.connect(settings) as con:
        # The académie holding the chosen collège, so every measured scope is inside the pilote's remit.
        aca_code = con.execute(
            "SELECT academie_code FROM etab_at('full', ?) WHERE uai = ?", [s, Scope.parse(sc["college"]).code]
        ).fetchone()[0]
        aca = Scope.parse(f"academie:{aca_code}")
        circ = con.execute(
            """SELECT circonscription_code FROM etab_at('full', ?) WHERE academie_code = ? AND degre = '1D'
               AND circonscription_code IS NOT NULL ORDER BY 1 LIMIT 1""", [s, aca.code]).fetchone()[0]
        classe = con.execute(
            "SELECT classe FROM eleve_at('full', ?) WHERE uai = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [s, Scope.parse(sc["college"]).code]).fetchone()[0]
    scopes = {
        "académie": aca,
        "circonscription": Scope.parse(f"circonscription:{circ}"),
        "collège": Scope.parse(sc["college"]),
        "classe": Scope.parse(f"classe:{Scope.parse(sc['college']).code}:{classe}"),
    }
    pil = Principal(1, "bench", Role.PILOTE, aca)
    week = date.fromordinal(s.toordinal() - s.weekday() - 28)

    queries: list[tuple[str, str, Callable[[Scope], object], Callable[[Scope], object] | None]] = [
        ("synthèse (même requête que la CLI)", "synthese", lambda x: stats.synthese(settings, pil, x, s), None),
        ("évolution sur la période", "evolution", lambda x: stats_series.evolution(settings, pil, x, "ALL", ds[0], s),
         None),
        ("indicateurs (J, J-7, rentrée)", "kpis", lambda x: stats_series.kpis(settings, pil, x, "ALL", s), None),
        ("comparaison des enfants", "children", lambda x: stats_series.children(settings, pil, x, "ALL", s), None),
        ("carte de chaleur enfant × semaine", "heatmap",
         lambda x: stats_series.children_series(settings, pil, x, "ALL", ds[0], s), None),
        ("entonnoir notification → activation", "funnel",
         lambda x: stats_series.funnel(settings, pil, x, week, "ALL", s), None),
        ("à relancer", "relance", lambda x: stats_series.a_relancer(settings, pil, x, s), None),
        ("contrôle du périmètre (SQL)", "check", lambda x: stats_series.check_scope(settings, pil, x, s), None),
    ]

    print(f"Profil {args.profile} : {len(ds)} dates ingérées ({ds[0]} → {s}), entrepôt "
          f"{warehouse.current_target(settings.warehouse_dir).stat().st_size / 1e6:.0f} Mo")
    naive_fn: dict[str, Callable[[Scope], object]] = {}
    if snap is None:
        print("Pas de pair pandas sur un entrepôt donné (à l'échelle nationale il dépasse 8 Go : voir bench_ingest).")
    else:
        print("Chargement des instantanés bruts en pandas pour la comparaison naïve…", flush=True)
        naive = Naive(snap, ds)
        print(f"  {naive.load_seconds:.1f} s de lecture (exclues des temps naïfs ci-dessous)")
        naive_fn = {
            "synthese": lambda x: naive.synthese(s, x),
            "evolution": lambda x: naive.evolution(x),
            "kpis": lambda x: [naive.synthese(d, x) for d in {ds[0], ds[max(0, len(ds) - 2)], s}],
            "children": lambda x: naive.children(s, x),
            "heatmap": lambda x: [naive.children(d, x) for d in ds],
            "relance": lambda x: naive.children(s, x),
            "funnel": lambda x: naive.funnel(s, x, week),
        }

    # Flask-Caching layer of the page, in an app context (FileSystemCache under the bench data dir).
    from flask import Flask

    from dashboard.cache import init_cache
    from dashboard.pages.statistiques.data import cached

    app = Flask("bench")
    init_cache(app, settings)

    def reopen() -> None:
        warehouse._state = None  # a new worker: the connection is reopened on the next query

    header = ("requête", "périmètre", "froid p50", "froid p95", "chaud p50", "chaud p95", "cache p95",
              "naïf p50", "naïf/chaud")

    def measure(label: str, key: str, fn: Callable[[Scope], object], sname: str, scope: Scope) -> tuple[str, ...]:
        def run() -> object:
            return fn(scope)

        cold = timeit(run, args.cold_reps, reopen)
        run()
        warm = timeit(run, args.reps)
        with app.app_context():
            cached(settings, key, run, str(scope), s)
            hits = timeit(lambda: cached(settings, key, run, str(scope), s), args.reps)
        nf = naive_fn.get(key)
        nt = timeit(lambda: nf(scope), max(3, args.reps // 6)) if nf else None
        w50 = statistics.median(warm)
        return (label, sname, f"{statistics.median(cold):.1f}", f"{pct(cold, .95):.1f}", f"{w50:.1f}",
                f"{pct(warm, .95):.1f}", f"{pct(hits, .95):.1f}",
                f"{statistics.median(nt):.0f}" if nt else "–",
                f"×{statistics.median(nt) / w50:.0f}" if nt else "–")

    rows = []
    print("\n" + " | ".join(header))
    for label, key, fn, _ in queries:
        for sname, scope in scopes.items():
            if (key == "check" and sname != "classe") or (key in ("children", "heatmap") and sname == "classe"):
                continue  # a class has no children to compare
            rows.append(measure(label, key, fn, sname, scope))
            print(" | ".join(rows[-1]), flush=True)
    rows += callbacks_end_to_end(settings, scopes, args, header)
    queries_rows = [r for r in rows if not r[0].startswith(("rappel", "PAGE"))]
    cb_rows = [r for r in rows if r[0].startswith("rappel")]
    page_rows = [r for r in rows if r[0].startswith("PAGE")]
    print(f"\nRequêtes : pire p95 à chaud {max(float(r[5]) for r in queries_rows):.1f} ms, "
          f"à froid {max(float(r[3]) for r in queries_rows):.1f} ms")
    print(f"Rappels (HTTP, rendu compris) : pire p95 à chaud {max(float(r[5]) for r in cb_rows):.1f} ms, "
          f"à froid {max(float(r[3]) for r in cb_rows):.1f} ms")
    print(f"Page entière (somme séquentielle des 8 rappels ; le navigateur les lance en parallèle) : pire p95 "
          f"à chaud {max(float(r[5]) for r in page_rows):.0f} ms, à froid {max(float(r[3]) for r in page_rows):.0f} ms")
    if args.markdown:
        md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        md += ["| " + " | ".join(r) + " |" for r in rows]
        Path(args.markdown).write_text("\n".join(md) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
