"""Ingestion benchmark: generate a profile, ingest one day (cold) and the next (incremental) with
`meteocomptes ingest`, beside a pandas peer loading the same files (five read_csv + a group-by synthesis).

    python -m benchmarks.bench_ingest --profile reunion
    python -m benchmarks.bench_ingest --profile national --data /tmp/gen/national   # reuse generated days
    python -m benchmarks.bench_ingest --profile reunion --workdir /srv/bench --pg-peer  # + PostgreSQL COPY peer

(the PostgreSQL peer uses server-side COPY: the server must be able to read the files, hence --workdir)

Every measured step runs in its own child process; peak memory is the child's resident set size, sampled
with psutil (and cross-checked with getrusage of children). Targets: reunion day < 10 s; national < 3 min
within 8 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("etablissements", "eleves", "responsables", "liens", "comptes")
TARGETS = {"reunion": 10.0, "national": 180.0, "demo": 10.0}


class _Measures(list):
    def append(self, m: Measure) -> None:  # type: ignore[override]
        super().append(m)
        progress(m)


@dataclass
class Measure:
    label: str
    seconds: float | None
    peak_mb: float | None
    rows: int = 0
    note: str = ""
    cpu: float | None = None  # user + system CPU seconds of the child: robust when the machine is shared

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.seconds and self.rows else None


LAST_CPU: list[float] = [0.0]  # CPU seconds of the last child run (user + system)


def run_child(cmd: list[str], env: dict[str, str] | None = None, max_rss_mb: float | None = None) -> tuple[float, float, int, str]:
    """Run a child process; return (seconds, peak RSS MB, return code, stderr tail). Kill it beyond max_rss_mb."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ru_before = ru0.ru_maxrss / 1024
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0.0
    killed = False
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [ps, *ps.children(recursive=True)])
            peak = max(peak, rss / 2**20)
        except psutil.Error:
            pass
        if max_rss_mb and peak > max_rss_mb and not killed:
            proc.kill()
            killed = True
        time.sleep(0.05)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    # getrusage(RUSAGE_CHILDREN) keeps the maximum over every child waited for: when it grew, it is exactly this
    # child's peak (psutil sampling may miss a short spike); otherwise keep the sampled peak.
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    ru_after = ru1.ru_maxrss / 1024
    if ru_after > ru_before:
        peak = max(peak, ru_after)
    tail = "\n".join((err or "").strip().splitlines()[-25:])
    return seconds, peak, (-9 if killed else proc.returncode), tail + ("\n" + out[-2000:] if out else "")


def count_rows(day: Path) -> int:
    n = 0
    for t in TABLES:
        for ext in (".csv", ".csv.gz", ".parquet"):
            p = day / f"{t}{ext}"
            if p.exists():
                if ext == ".csv":
                    with open(p, "rb") as f:
                        n += sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b"")) - 1
                else:
                    import duckdb

                    fn = "read_parquet" if ext == ".parquet" else "read_csv"
                    n += duckdb.sql(f"SELECT count(*) FROM {fn}(?)", params=[str(p)]).fetchone()[0]  # type: ignore[index]  # noqa: S608
    return n


# -------------------------------------------------------------------------------------------- pandas peer
PANDAS_PEER = r'''
import sys, pandas as pd
day = sys.argv[1]
kw = dict(sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
t = {n: pd.read_csv(f"{day}/{n}.csv", **kw) for n in ("etablissements", "eleves", "responsables", "liens", "comptes")}
p = (t["eleves"][["ine", "uai", "classe", "mef_code"]]
     .merge(t["liens"][["responsable_id", "ine"]], on="ine")
     .merge(t["responsables"][["responsable_id", "identifiant"]], on="responsable_id")
     .merge(t["comptes"][["identifiant", "origine", "etat"]], on="identifiant")
     .merge(t["etablissements"][["uai", "degre", "academie_code", "departement_code", "circonscription_code"]], on="uai"))
out = []
for level, keys in (("academie", ["academie_code"]), ("academie", ["academie_code", "degre"]),
                    ("departement", ["departement_code"]), ("departement", ["departement_code", "degre"]),
                    ("circonscription", ["circonscription_code"]), ("etablissement", ["uai"]),
                    ("classe", ["uai", "classe"]), ("mef", ["uai", "mef_code"])):
    d = p[keys + ["identifiant", "origine", "etat"]].drop_duplicates()
    out.append(d.groupby(keys + ["origine", "etat"]).size())
print(sum(len(o) for o in out), "aggregate rows")
'''


# PostgreSQL peer: the same five files loaded with server-side COPY into UNLOGGED text tables (no validation,
# history, aggregate nor index) — the floor of what a relational server needs just to take the files in.
PG_PEER = r'''
import sys, uuid, psycopg
from psycopg import sql
day, url = sys.argv[1], sys.argv[2]
schema = "bench_" + uuid.uuid4().hex[:8]
with psycopg.connect(url, autocommit=True) as con:
    con.execute(f'CREATE SCHEMA "{schema}"')
    try:
        n = 0
        for t in ("etablissements", "eleves", "responsables", "liens", "comptes"):
            path = f"{day}/{t}.csv"
            with open(path, encoding="utf-8-sig") as f:
                cols = f.readline().strip().split(";")
            con.execute(f'CREATE UNLOGGED TABLE "{schema}".{t} (' + ", ".join(f'"{c}" text' for c in cols) + ")")
            cur = con.execute(sql.SQL("COPY {}.{} FROM {} WITH (FORMAT csv, DELIMITER ';', HEADER true)").format(
                sql.Identifier(schema), sql.Identifier(t), sql.Literal(path)))
            n += cur.rowcount
        print(n, "rows")
    finally:
        con.execute(f'DROP SCHEMA "{schema}" CASCADE')
'''


def progress(m: Measure) -> None:
    """Each measure as soon as it is known (a national run takes long: partial results survive an interruption)."""
    print(f"[bench_ingest] {m.label}: {fmt(m.seconds, '.1f')} s, CPU {fmt(m.cpu, '.1f')} s, "
          f"peak {fmt(m.peak_mb, ',.0f')} MB {m.note}", file=sys.stderr, flush=True)


def bench(profile: str, seed: int, start: dt.date, data: Path | None, workdir: Path, peer: bool,
          peer_max_mb: float, pg_url: str | None = None) -> list[Measure]:
    measures = _Measures()
    if data is None:
        data = workdir / "gen"
        secs, peak, rc, tail = run_child(
            [sys.executable, "-m", "meteocomptes.cli", "generate", "--profile", profile, "--seed", str(seed),
             "--start", start.isoformat(), "--days", "8", "--every", "7", "--out", str(data)])
        if rc != 0:
            raise SystemExit(f"generation failed:\n{tail}")
        measures.append(Measure("génération (2 jours) / generation (2 days)", secs, peak, cpu=LAST_CPU[0]))
    else:
        measures.append(Measure("génération / generation", None, None, note=f"réutilisé / reused: {data}"))
    days = sorted(p for p in data.iterdir() if p.is_dir() and len(p.name) == 10)[:2]
    wh = workdir / "warehouse"
    shutil.rmtree(wh, ignore_errors=True)
    env = {"METEOCOMPTES_WAREHOUSE": str(wh), "METEOCOMPTES_DATA_DIR": str(workdir / "var")}
    for i, day in enumerate(days):
        rows = count_rows(day)
        secs, peak, rc, tail = run_child([sys.executable, "-m", "meteocomptes.cli", "ingest", "-v", str(day)], env)
        label = ("ingestion 1er jour (à froid) / first day (cold)" if i == 0
                 else "ingestion jour suivant (incrémental) / next day (incremental)")
        steps = [line.strip() for line in tail.splitlines() if line.strip().startswith("[")]
        measures.append(Measure(label, secs if rc == 0 else None, peak, rows,
                                note="; ".join(steps) if rc == 0 else f"ÉCHEC / FAILED rc={rc}: {tail[-400:]}",
                                cpu=LAST_CPU[0]))
    if peer:
        rows = count_rows(days[0])
        secs, peak, rc, tail = run_child([sys.executable, "-c", PANDAS_PEER, str(days[0])], max_rss_mb=peer_max_mb)
        note = "" if rc == 0 else (f"abandonné au-delà de / stopped above {peer_max_mb:.0f} MB" if rc == -9
                                   else f"ÉCHEC / FAILED: {tail[-300:]}")
        measures.append(Measure("pair pandas (5 read_csv + synthèse) / pandas peer", secs if rc == 0 else None, peak,
                                rows, note=note, cpu=LAST_CPU[0]))
    if pg_url:
        rows = count_rows(days[0])
        secs, _peak, rc, tail = run_child([sys.executable, "-c", PG_PEER, str(days[0].resolve()), pg_url])
        measures.append(Measure("pair PostgreSQL (COPY des 5 fichiers) / PostgreSQL COPY peer",
                                secs if rc == 0 else None, None, rows,
                                note="mémoire : celle du serveur, non mesurée / server memory not measured" if rc == 0
                                else f"ÉCHEC / FAILED: {tail[-300:]}"))
    return measures


OWN_STEPS = ("copie", "lecture", "validation", "historique", "per_date_10_synthese", "checkpoint")


def split_steps(note: str) -> tuple[float, float]:
    """(seconds of this module's steps, seconds of other modules' SQL files) from the `ingest -v` step lines."""
    own = other = 0.0
    for part in note.split(";"):
        m = re.match(r"\s*\[\s*([0-9.]+) s\] (.+)", part)
        if m:
            if m.group(2).startswith(OWN_STEPS):
                own += float(m.group(1))
            else:
                other += float(m.group(1))
    return own, other


def fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec).replace(",", " ")


def report(profile: str, measures: list[Measure]) -> str:
    lines = [f"# bench_ingest — profil / profile « {profile} » — {dt.datetime.now():%Y-%m-%d %H:%M} — "
             f"{os.cpu_count()} CPU, {psutil.virtual_memory().total / 2**30:.0f} GB",
             "",
             f"charge / load average: {os.getloadavg()[0]:.1f} (une charge > {os.cpu_count()} fausse les durées murales ; "
             f"voir le temps CPU / wall times are skewed above {os.cpu_count()}: see CPU time)",
             "",
             f"| {'étape / step':<62} | {'durée / time (s)':>16} | {'CPU (s)':>8} | {'lignes / rows':>13} | {'lignes/s / rows/s':>17} | {'pic mémoire / peak (MB)':>23} |",
             f"|{'-' * 64}|{'-' * 18}:|{'-' * 10}:|{'-' * 15}:|{'-' * 19}:|{'-' * 25}:|"]
    for m in measures:
        lines.append(f"| {m.label:<62} | {fmt(m.seconds, '>16.1f')} | {fmt(m.cpu, '>8.1f')} | {fmt(float(m.rows) if m.rows else None, '>13,.0f')} | "
                     f"{fmt(m.rows_per_s, '>17,.0f')} | {fmt(m.peak_mb, '>23,.0f')} |")
    cold = next((m for m in measures if "cold" in m.label), None)
    inc = next((m for m in measures if "incremental" in m.label), None)
    peer = next((m for m in measures if "pandas" in m.label), None)
    pg = next((m for m in measures if "PostgreSQL" in m.label), None)
    lines.append("")
    target = TARGETS.get(profile)
    for m in (cold, inc):
        if m and m.seconds and target:
            ok = "OK" if m.seconds < target else "HORS CIBLE / MISSED"
            lines.append(f"- {m.label} : {m.seconds:.1f} s (cible / target < {target:.0f} s) → {ok}")
    if cold and peer and cold.seconds and peer.seconds:
        lines.append(f"- ratio temps pandas / DuckDB (1er jour) / time ratio: {peer.seconds / cold.seconds:.2f}×"
                     f" (pandas ne valide pas, n'historise pas et ne publie pas / pandas does no validation, history"
                     f" or publication)")
    if pg and pg.seconds:
        for m in (cold, inc):
            if m and m.seconds:
                lines.append(f"- ratio temps COPY PostgreSQL / ingestion DuckDB ({m.label}) / time ratio: "
                             f"{pg.seconds / m.seconds:.2f}× (COPY seul : ni validation, ni historique, ni agrégat, "
                             f"ni console / COPY only)")
    if cold and peer and cold.cpu and peer.cpu and peer.seconds:
        lines.append(f"- ratio CPU pandas / DuckDB (1er jour) / CPU ratio: {peer.cpu / cold.cpu:.2f}×")
    if cold and peer and cold.peak_mb and peer.peak_mb:
        # A peer stopped at the memory cap would have needed more: its ratio is only a lower bound.
        bound = "" if peer.seconds else "≥ "
        note = "" if peer.seconds else " (pair arrêté à ce plafond / peer stopped at that cap)"
        lines.append(f"- ratio mémoire pandas / DuckDB / memory ratio: {bound}{peer.peak_mb / cold.peak_mb:.2f}×{note}")
    for m in (cold, inc):
        if m and m.seconds:
            own, other = split_steps(m.note)
            lines.append(f"- {m.label} : cœur de l'ingestion / ingestion core {own:.1f} s ; tables dérivées des autres "
                         f"modules / other modules' derived tables (console_*) {other:.1f} s ; "
                         f"démarrage, publication / start-up, publication {m.seconds - own - other:.1f} s")
    notes = [f"  - {m.label}: {m.note}" for m in measures if m.note]
    if notes:
        lines += ["", "Notes (étapes / steps):", *notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=("demo", "reunion", "national"), default="reunion")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 9, 1))
    ap.add_argument("--data", type=Path, help="dossier de jours déjà générés (saute la génération)")
    ap.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire, supprimé)")
    ap.add_argument("--no-peer", action="store_true", help="ne pas mesurer le pair pandas")
    ap.add_argument("--peer-max-mb", type=float, default=16000, help="arrêter le pair pandas au-delà (MB)")
    ap.add_argument("--pg-peer", nargs="?", const=os.environ.get("DATABASE_URL_TEST",
                    "postgresql://postgres@127.0.0.1:5432/test"), metavar="URL",
                    help="mesurer aussi le pair PostgreSQL (COPY côté serveur : le serveur doit pouvoir lire les fichiers)")
    ap.add_argument("--json", type=Path, help="écrire aussi les mesures en JSON")
    args = ap.parse_args(argv)
    tmp = None
    workdir = args.workdir
    if workdir is None:
        tmp = tempfile.mkdtemp(prefix="bench_ingest_")
        workdir = Path(tmp)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        measures = bench(args.profile, args.seed, args.start, args.data, workdir, not args.no_peer, args.peer_max_mb,
                         args.pg_peer)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    text = report(args.profile, measures)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([m.__dict__ | {"rows_per_s": m.rows_per_s} for m in measures], indent=2,
                                        ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
