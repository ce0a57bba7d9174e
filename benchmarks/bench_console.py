"""Console benchmark: search in one establishment and across the académie, PDF of 500 letters; peer: the same
searches in PostgreSQL with pg_trgm, in the same run.

    python -m benchmarks.bench_console --profile reunion [--runs 40] [--data-dir DIR] [--pg postgresql://…]

The académie is generated and ingested once (one day) under benchmarks/out/console-<profile>/ when missing.
Each search = count + first page (100 rows, sorted) with the real query layer (queries.services.console, live overlay
included), for a mix of prefix and infix terms drawn from the data. PostgreSQL gets the same derived rows
(COPY), a GIN trigram index on the same normalised key and a B-tree on the UAI, in a dedicated schema that is
dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ms(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return {"p50": round(statistics.median(s) * 1000, 1), "p95": round(p95 * 1000, 1), "max": round(s[-1] * 1000, 1)}


def ensure_warehouse(profile: str, data_dir: Path) -> None:
    from queries import warehouse
    from queries.core.settings import Settings

    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(data_dir)})
    if warehouse.current_target(s.warehouse_dir) is not None:
        return
    snap = data_dir / "snapshots"
    env = {**os.environ, "METEOCOMPTES_DATA_DIR": str(data_dir)}
    exe = [sys.executable, "-m", "meteocomptes.cli"]
    print(f"génération et ingestion du profil {profile} dans {data_dir}…", flush=True)
    subprocess.run([*exe, "generate", "--profile", profile, "--seed", "1", "--start", "2026-09-01", "--days", "1",
                    "--out", str(snap)], check=True, env=env)
    subprocess.run([*exe, "ingest", *sorted(str(p) for p in snap.iterdir())], check=True, env=env)


def terms(settings, n: int, seed: int = 1) -> list[str]:  # noqa: ANN001
    """Search words as people type them: prefixes of surnames, infixes of first names, in both cases."""
    from queries import warehouse

    with warehouse.connect(settings) as con:
        names = [r[0] for r in con.execute(
            "SELECT DISTINCT split_part(k_all, ' | ', 1) FROM console_row USING SAMPLE 2000 ROWS").fetchall()]
        resp = [r[0] for r in con.execute(
            "SELECT DISTINCT split_part(k_all, ' | ', 2) FROM console_row USING SAMPLE 2000 ROWS").fetchall()]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        src = rnd.choice(names if i % 2 == 0 else resp).split()
        w = rnd.choice(src) if src else "abc"
        if i % 3 == 0:
            t = w[:4]  # prefix
        else:
            k = max(0, len(w) - 4)
            j = rnd.randint(0, k)
            t = w[j:j + 4]  # infix
        out.append(t.upper() if i % 4 == 0 else t)
    return out


def bench_duckdb(settings, principal, qs: list[str]) -> dict[str, float]:  # noqa: ANN001
    from queries.services import console

    console.search(settings, principal, console.Filters.build(q=qs[0]), limit=100)  # warm-up
    samples = []
    for q in qs:
        t = time.perf_counter()
        console.search(settings, principal, console.Filters.build(q=q), limit=100,
                       sort_model=[{"colId": "eleve", "sort": "asc"}])
        samples.append(time.perf_counter() - t)
    return _ms(samples)


def pg_setup(url: str, settings, schema: str):  # noqa: ANN001, ANN201
    import psycopg

    from queries import warehouse
    from queries.services import console

    pg = psycopg.connect(url, autocommit=True)
    pg.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    pg.execute(f'CREATE SCHEMA "{schema}"')
    pg.execute(f'''CREATE TABLE "{schema}".console_row (rid text, uai text, academie_code text, eleve text, classe text,
        mef_libelle text, responsable text, identifiant text, has_email boolean, etat text, origine text,
        date_notification date, date_derniere_connexion date, k_resp text, k_all text)''')
    cols = ("rid, uai, academie_code, eleve, classe, mef_libelle, responsable, identifiant, has_email, etat, origine, "
            "date_notification, date_derniere_connexion, k_resp, k_all")
    select = (cols.replace("eleve,", f"{console.ELEVE},", 1).replace("responsable,", f"{console.RESPONSABLE},", 1)
              .replace("k_resp,", f"{console.SORT_COLUMNS['responsable']} AS k_resp,", 1))
    t = time.perf_counter()
    with warehouse.connect(settings) as con:
        df = con.execute(f"SELECT {select} FROM console_row").fetch_df()  # noqa: S608 (constant)
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N")
    buf.seek(0)
    with pg.cursor() as cur, cur.copy(f'COPY "{schema}".console_row ({cols}) FROM STDIN') as cp:
        while chunk := buf.read(1 << 20):
            cp.write(chunk)
    pg.execute(f'CREATE INDEX ON "{schema}".console_row USING gin (k_all gin_trgm_ops)')
    pg.execute(f'CREATE INDEX ON "{schema}".console_row (uai)')
    pg.execute(f'ANALYZE "{schema}".console_row')
    return pg, round(time.perf_counter() - t, 1), len(df)


def bench_pg(pg, schema: str, column: str, code: str, qs: list[str]) -> dict[str, float]:  # noqa: ANN001
    from queries.services.console import fold

    def like(term: str) -> str:
        return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    sql_count = f'SELECT count(*) FROM "{schema}".console_row WHERE {column} = %s AND k_all LIKE %s'  # noqa: S608
    sql_page = (f'SELECT rid, eleve, classe, mef_libelle, responsable, identifiant, has_email, etat, origine, '  # noqa: S608
                f'date_notification, date_derniere_connexion FROM "{schema}".console_row '
                f'WHERE {column} = %s AND k_all LIKE %s ORDER BY k_all, rid LIMIT 100')
    pg.execute(sql_count, [code, like(fold(qs[0]))])
    samples = []
    for q in qs:
        t = time.perf_counter()
        p = like(fold(q))
        pg.execute(sql_count, [code, p]).fetchone()
        pg.execute(sql_page, [code, p]).fetchall()
        samples.append(time.perf_counter() - t)
    return _ms(samples)


def bench_letters(settings, principal, n: int = 500) -> tuple[float, float, int]:  # noqa: ANN001
    """Seconds to draw n passwords + hash them (argon2) + build the PDF; and the PDF alone; its page count."""
    from dashboard.exports_console import letters_pdf
    from queries.services import actions, console
    from queries.store import console_state

    ids = console.accounts_of_filter(settings, principal, console.Filters(), cap=n)
    recips = console.recipients(settings, principal, ids)
    t = time.perf_counter()
    letters = []
    for r in recips:
        pw = console_state.new_password()
        console_state._hasher.hash(pw)
        letters.append(actions.Letter(r.identifiant, r.civilite, r.nom, r.prenoms, r.courriel, r.enfants,
                                      r.etablissement, pw, date(2027, 1, 1)))
    t_pdf = time.perf_counter()
    pdf = letters_pdf(letters)
    end = time.perf_counter()
    from pypdf import PdfReader

    return end - t, end - t_pdf, len(PdfReader(io.BytesIO(pdf)).pages)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="reunion", choices=["demo", "reunion", "national"])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args(argv)
    data_dir = args.data_dir or ROOT / "benchmarks" / "out" / f"console-{args.profile}"
    ensure_warehouse(args.profile, data_dir)

    from queries import warehouse
    from queries.core.scope import Principal, Role, Scope
    from queries.core.settings import Settings
    from queries.store import init_db

    settings = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(data_dir)})
    init_db(settings)
    with warehouse.connect(settings) as con:
        uai, n_uai = con.execute("""SELECT uai, count(*) FROM console_row
                                   WHERE uai IN (SELECT uai FROM etab_h WHERE type = 'COLLEGE')
                                   GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""").fetchone()
        aca, n_rows = con.execute("SELECT min(academie_code), count(*) FROM console_row").fetchone()
    chef = Principal(1, "bench.chef", Role.CHEF, Scope.parse(f"etablissement:{uai}"))
    support = Principal(2, "bench.support", Role.SUPPORT, Scope.parse(f"academie:{aca}"))
    qs = terms(settings, args.runs)
    res: dict[str, object] = {"profile": args.profile, "rows": n_rows, "uai": uai, "rows_uai": n_uai, "runs": args.runs}
    res["duckdb_etablissement_ms"] = bench_duckdb(settings, chef, qs)
    res["duckdb_academie_ms"] = bench_duckdb(settings, support, qs)
    total, pdf_only, pages = bench_letters(settings, support, 500)
    res["letters_500"] = {"total_s": round(total, 2), "pdf_s": round(pdf_only, 2), "pages": pages}

    schema = f"bench_console_{os.getpid()}"
    try:
        pg, load_s, n = pg_setup(args.pg, settings, schema)
    except Exception as exc:  # noqa: BLE001 (the peer is optional: say why it is missing)
        res["postgres"] = f"indisponible : {exc}"
    else:
        try:
            res["postgres_load_s"] = load_s
            res["postgres_etablissement_ms"] = bench_pg(pg, schema, "uai", uai, qs)
            res["postgres_academie_ms"] = bench_pg(pg, schema, "academie_code", aca, qs)
        finally:
            pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            pg.close()

    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench_console_{args.profile}.json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    print(json.dumps(res, indent=2, ensure_ascii=False))
    de, da = res["duckdb_etablissement_ms"], res["duckdb_academie_ms"]
    print("\n| recherche (compte + 1re page de 100, triée) | DuckDB p50 / p95 (ms) | PostgreSQL pg_trgm p50 / p95 (ms) | cible |")
    print("|---|---|---|---|")
    pe, pa = res.get("postgres_etablissement_ms"), res.get("postgres_academie_ms")
    fmt = lambda d: f"{d['p50']} / {d['p95']}" if isinstance(d, dict) else "—"  # noqa: E731
    print(f"| un établissement ({n_uai} lignes) | {fmt(de)} | {fmt(pe)} | < 100 |")
    print(f"| toute l'académie ({n_rows} lignes) | {fmt(da)} | {fmt(pa)} | p95 < 300 |")
    lt = res["letters_500"]
    print(f"| PDF de 500 courriers ({lt['pages']} pages, mots de passe et hachage compris) | {lt['total_s']} s "
          f"(PDF seul {lt['pdf_s']} s) | — | < 10 s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
