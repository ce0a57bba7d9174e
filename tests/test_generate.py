"""Synthetic snapshot generator (data/generate.py), on the small `demo` profile."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from data.generate import COLUMNS, ETATS, ORIGINES, TABLES, generate, uai_check_letter, uai_is_valid
from meteocomptes.generate_cli import register

START = dt.date(2026, 9, 1)
LEVEL_BIRTH_YEAR = {"PETITE SECTION": 2023, "CP": 2020, "CM2": 2016, "6EME": 2015, "3EME": 2012,
                    "2NDE GENERALE ET TECHNOLOGIQUE": 2011, "TERM GENERALE": 2009}


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", sep=";", dtype=str, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], float]:
    out = tmp_path_factory.mktemp("demo")
    t0 = time.perf_counter()
    folders = generate("demo", 7, START, 120, 7, out)
    return folders, time.perf_counter() - t0


@pytest.fixture(scope="module")
def first(run: tuple[list[Path], float]) -> dict[str, pd.DataFrame]:
    return {t: read(run[0][0], t) for t in TABLES}


@pytest.fixture(scope="module")
def last(run: tuple[list[Path], float]) -> dict[str, pd.DataFrame]:
    return {t: read(run[0][-1], t) for t in TABLES}


def test_folders_dates_and_speed(run: tuple[list[Path], float]) -> None:
    folders, secs = run
    assert [f.name for f in folders] == [(START + dt.timedelta(days=k)).isoformat() for k in range(0, 120, 7)]
    assert len(folders) == 18
    assert secs < 20, f"demo 120 jours / 7 trop lent : {secs:.1f} s"


def test_files_and_exact_columns(run: tuple[list[Path], float]) -> None:
    for folder in run[0][:2]:
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
        for t in TABLES:
            header = (folder / f"{t}.csv").read_text(encoding="utf-8").splitlines()[0]
            assert header == ";".join(COLUMNS[t])


def test_determinism(tmp_path: Path) -> None:
    a = generate("demo", 3, START, 15, 14, tmp_path / "a")
    b = generate("demo", 3, START, 15, 14, tmp_path / "b")
    c = generate("demo", 4, START, 1, 1, tmp_path / "c")
    assert [p.name for p in a] == [p.name for p in b] == ["2026-09-01", "2026-09-15"]
    for fa, fb in zip(a, b, strict=True):
        for t in TABLES:
            assert (fa / f"{t}.csv").read_bytes() == (fb / f"{t}.csv").read_bytes(), t
    assert (a[0] / "comptes.csv").read_bytes() != (c[0] / "comptes.csv").read_bytes()


def test_uai_check_letters(first: dict[str, pd.DataFrame]) -> None:
    # the letter is ABCDEFGHJKLMNPRSTUVWXYZ[n mod 23] of the 7-digit number
    assert uai_check_letter("0750001") == "ABCDEFGHJKLMNPRSTUVWXYZ"[750001 % 23]
    assert not uai_is_valid("9740001A") or 9740001 % 23 == 0
    etab = first["etablissements"]
    assert etab["uai"].is_unique
    assert all(uai_is_valid(u) and u.startswith("974") for u in etab["uai"])
    assert set(first["eleves"]["uai"]) <= set(etab["uai"])
    assert set(first["responsables"]["uai"]) <= set(etab["uai"])


def test_establishments(first: dict[str, pd.DataFrame]) -> None:
    etab = first["etablissements"]
    assert set(etab["type"]) == {"ECOLE_MATERNELLE", "ECOLE_ELEMENTAIRE", "ECOLE_PRIMAIRE", "COLLEGE", "LYCEE",
                                 "LYCEE_PRO"}
    d1 = etab["degre"] == "1D"
    assert (d1 == etab["type"].str.startswith("ECOLE")).all()
    assert etab.loc[d1, "circonscription_code"].notna().all() and etab.loc[d1, "circonscription_nom"].notna().all()
    assert etab.loc[~d1, ["circonscription_code", "circonscription_nom"]].isna().all().all()
    assert not etab["circonscription_code"].str.contains(":", na=False).any()
    assert (etab[["departement_code", "academie_code", "academie_nom"]].drop_duplicates().values.tolist()
            == [["974", "28", "La Réunion"]])
    assert etab["nom"].str.match(r"^(ECOLE (MATERNELLE|ELEMENTAIRE|PRIMAIRE)|COLLEGE|LYCEE( PROFESSIONNEL)?) ").all()


def test_pupils(first: dict[str, pd.DataFrame]) -> None:
    el = first["eleves"]
    assert 5000 < len(el) < 8000
    assert el["ine"].is_unique and el["ine"].str.fullmatch(r"\d{10}[A-Z]").all()
    assert el[["nom", "prenom", "date_naissance", "classe", "mef_code", "mef_libelle"]].notna().all().all()
    # one code per MEF label, 11 characters
    assert (el.groupby("mef_libelle")["mef_code"].nunique() == 1).all()
    assert el["mef_code"].str.len().eq(11).all()
    assert el.loc[el["mef_libelle"] == "3EME", "mef_code"].iloc[0] == "10310019110"
    # classes named after the level ("3EME J", "CE1-CE2", "CP A")
    col = el[el["mef_libelle"].isin(["6EME", "5EME", "4EME", "3EME"])]
    assert col["classe"].str.fullmatch(r"[3-6]EME [A-Z]").all()
    assert el["classe"].str.contains("-").any()
    # birth dates consistent with the level (most pupils at the normal age)
    year = el["date_naissance"].str[:4].astype(int)
    for lib, expected in LEVEL_BIRTH_YEAR.items():
        sel = year[el["mef_libelle"] == lib]
        assert (sel == expected).mean() > 0.75, lib
    # accented and compound first names are there
    assert el["prenom"].str.contains("[éèëïç]").any()


def test_links(first: dict[str, pd.DataFrame]) -> None:
    el, li, re_ = first["eleves"], first["liens"], first["responsables"]
    per_pupil = li.groupby("ine").size()
    assert set(per_pupil.index) == set(el["ine"])
    assert per_pupil.between(1, 2).all()
    assert (per_pupil == 2).mean() > 0.7
    assert set(li["responsable_id"]) <= set(re_["responsable_id"])
    assert set(li["lien"]) <= {"MERE", "PERE", "TUTEUR", "AUTRE"}
    assert {"MERE", "PERE"} <= set(li["lien"])
    assert not li.duplicated(["responsable_id", "ine"]).any()


def test_records_and_accounts(first: dict[str, pd.DataFrame]) -> None:
    re_, co, etab = first["responsables"], first["comptes"], first["etablissements"]
    assert 8000 < len(re_) < 13000
    assert re_["responsable_id"].is_unique
    assert co["identifiant"].is_unique
    assert set(re_["identifiant"]) <= set(co["identifiant"])
    assert co["identifiant"].str.fullmatch(r"[a-z]\.[a-z]{1,10}\d*").all()
    assert set(re_["source"]) == {"ONDE", "SIECLE"}
    deg = re_["uai"].map(etab.set_index("uai")["degre"])
    assert ((re_["source"] == "ONDE") == (deg == "1D")).all()
    assert set(re_["civilite"]) == {"M.", "MME"}
    # one record per (person, school database): no account appears twice in a school
    assert not re_.duplicated(["identifiant", "uai"]).any()
    assert set(co["origine"]) <= set(ORIGINES) and set(co["etat"]) <= set(ETATS)


def test_contact_data(first: dict[str, pd.DataFrame]) -> None:
    re_ = first["responsables"]
    no_mobile = re_["telephone_portable"].isna().mean()
    no_mail = re_["courriel"].isna().mean()
    assert 0.04 < no_mobile < 0.13, no_mobile
    assert 0.18 < no_mail < 0.33, no_mail
    phones = re_["telephone_portable"].dropna()
    assert phones.str.fullmatch(r"069[23]\d{6}|0[67]\d{8}").all()
    assert phones.str.match("069[23]").mean() > 0.9
    mails = re_["courriel"].dropna()
    assert mails.str.fullmatch(r"[a-z0-9._-]+@(example|exemple)\.(fr|com|org|net|re)").all()
    # a mobile number belongs to one person (different people never share one by accident)
    first_name = re_["prenoms"].str.split(" ").str[0]
    assert (first_name.groupby(re_["telephone_portable"]).nunique() == 1).all()


def test_names_are_reunionese(first: dict[str, pd.DataFrame]) -> None:
    names = set(first["responsables"]["nom_naissance"]) | set(first["eleves"]["nom"])
    assert {"PAYET", "HOARAU", "GRONDIN"} <= names
    assert names & {"LATCHOUMY", "MOUNIAMA", "NAGAPIN", "VEERAPEN", "ARMOUGOM", "SINAMA", "RAMASSAMY"}
    assert names & {"ABDOU", "MADI", "SAID", "ATTOUMANI", "AHAMADA"}
    re_ = first["responsables"]
    assert re_["prenoms"].str.contains(" ").any()
    first_names = re_["prenoms"].str.split(" ").str[0]
    assert first_names[re_["civilite"] == "MME"].isin(["Marie", "Sandrine", "Nathalie", "Isabelle"]).mean() > 0.1
    assert not first_names[re_["civilite"] == "MME"].isin(["Jean", "Stéphane", "Thierry"]).any()
    assert first_names[re_["civilite"] == "M."].isin(["Stéphane", "Jean", "Frédéric", "Sébastien"]).mean() > 0.1


def test_shared_guardians_across_degrees(first: dict[str, pd.DataFrame]) -> None:
    re_ = first["responsables"]
    sources = re_.groupby("identifiant")["source"].nunique()
    assert (sources == 2).sum() > 100  # same account in an école and a collège/lycée
    schools = re_.groupby("identifiant")["uai"].nunique()
    assert (schools >= 2).mean() > 0.1


def test_same_person_two_accounts_and_homonyms(first: dict[str, pd.DataFrame]) -> None:
    re_ = first["responsables"]
    # a person's email is unique: two accounts behind one email = records EduConnect could not reconcile
    by_mail = re_.dropna(subset=["courriel"]).groupby("courriel")["identifiant"].nunique()
    split = by_mail[by_mail > 1].index
    assert len(split) >= 10
    rows = re_[re_["courriel"].isin(split)]
    swapped = rows.merge(rows, on="courriel")
    swapped = swapped[(swapped["nom_usage_x"] == swapped["nom_naissance_y"])
                      & (swapped["nom_naissance_x"] == swapped["nom_usage_y"])
                      & (swapped["nom_usage_x"] != swapped["nom_usage_y"])]
    assert len(swapped) > 0  # usage and birth names swapped in one school
    extra = rows.merge(rows, on="courriel")
    assert ((extra["prenoms_x"] != extra["prenoms_y"])
            & extra.apply(lambda r: r["prenoms_y"].startswith(r["prenoms_x"] + " "), axis=1)).any()
    # homonyms: same name and first names, different people (contact data) and accounts
    homo = re_.groupby(["nom_usage", "prenoms"]).agg(acc=("identifiant", "nunique"),
                                                     tel=("telephone_portable", "nunique"))
    assert ((homo["acc"] > 1) & (homo["tel"] > 1)).sum() >= 10


def test_states_evolve_consistently(run: tuple[list[Path], float], first: dict[str, pd.DataFrame],
                                    last: dict[str, pd.DataFrame]) -> None:
    rank = {e: i for i, e in enumerate(ETATS)}
    prev = None
    for folder in run[0][::3]:
        co = read(folder, "comptes").set_index("identifiant")
        if prev is not None:
            both = prev.join(co, lsuffix="_a", rsuffix="_b", how="inner")
            assert len(both) >= 0.95 * len(prev)  # accounts stay in the directory
            assert (both["etat_b"].map(rank) >= both["etat_a"].map(rank)).all()
            was = both["origine_a"] != "NON_RENSEIGNE"
            assert (both.loc[was, "origine_a"] == both.loc[was, "origine_b"]).all()
            act = both["date_activation_a"].notna()
            assert (both.loc[act, "date_activation_a"] == both.loc[act, "date_activation_b"]).all()
            con = both["date_derniere_connexion_a"].notna()
            assert (both.loc[con, "date_derniere_connexion_b"] >= both.loc[con, "date_derniere_connexion_a"]).all()
        prev = co
    # dates never in the future, activated accounts have an activation date (and an email)
    day = run[0][-1].name
    co = last["comptes"]
    for c in ("date_notification", "date_activation", "date_derniere_connexion", "date_demande_reinit_mdp"):
        assert (co[c].dropna() <= day).all(), c
    active = co["etat"] == "ACTIVE"
    assert co.loc[active, "date_activation"].notna().all() and co.loc[active, "courriel"].notna().all()
    assert co.loc[co["origine"] == "ETABLISSEMENT", "date_notification"].notna().all()
    assert (co.loc[co["etat"] == "NON_NOTIFIE", "origine"] == "NON_RENSEIGNE").all()
    assert (co.loc[co["origine"].isin(["FRANCECONNECT", "RESPONSABLE"]), "etat"].isin(["ACTIVE", "DESACTIVE"])).all()


def test_adoption_grows_from_the_rentree(first: dict[str, pd.DataFrame], last: dict[str, pd.DataFrame]) -> None:
    def rate(co: pd.DataFrame) -> float:
        return float((co["etat"] == "ACTIVE").mean())

    a, b = rate(first["comptes"]), rate(last["comptes"])
    assert 0.05 < a < 0.35 and b > a + 0.08 and b < 0.7, (a, b)
    co = last["comptes"]
    for e in ETATS:
        assert (co["etat"] == e).any(), e
    for o in ORIGINES:
        assert (co["origine"] == o).any(), o
    notified = co[co["origine"] == "ETABLISSEMENT"]
    assert (notified["etat"] == "NOTIFIE_NON_ACTIVE").mean() > 0.2  # many letters are never used


def test_arrivals_and_departures(first: dict[str, pd.DataFrame], last: dict[str, pd.DataFrame]) -> None:
    a, b = set(first["eleves"]["ine"]), set(last["eleves"]["ine"])
    assert b - a and a - b  # pupils arrive and leave during the year
    li, re_ = last["liens"], last["responsables"]
    new_ids = re_.loc[re_["responsable_id"].isin(li.loc[li["ine"].isin(b - a), "responsable_id"]), "identifiant"]
    new_accounts = set(new_ids) - set(first["comptes"]["identifiant"])
    assert new_accounts  # newcomers' guardians get new accounts
    co = last["comptes"].set_index("identifiant").loc[sorted(new_accounts)]
    assert (co["etat"] == "NON_NOTIFIE").any()
    # guardians of pupils who left are deactivated
    assert (last["comptes"]["etat"] == "DESACTIVE").sum() > (first["comptes"]["etat"] == "DESACTIVE").sum()


def test_parquet_same_content(tmp_path: Path) -> None:
    c = generate("demo", 5, START, 1, 1, tmp_path / "c")[0]
    p = generate("demo", 5, START, 1, 1, tmp_path / "p", fmt="parquet")[0]
    for t in TABLES:
        tab = pq.read_table(p / f"{t}.parquet")
        assert tab.column_names == COLUMNS[t]
        assert tab.num_rows == len(read(c, t))


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["generate", "--profile", "demo", "--days", "3", "--every", "2",
                              "--start", "2026-10-01", "--out", str(tmp_path)])
    assert args.seed == 1
    assert args.func(args) in (0, None)
    out = capsys.readouterr().out
    assert "2026-10-03" in out and "comptes" in out and re.search(r"Durée", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10-01", "2026-10-03"]
    assert parser.parse_args(["generate", "--out", "x"]).start == dt.date(2026, 9, 1)


@pytest.mark.slow
def test_reunion_profile_scale(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    folder = generate("reunion", 1, START, 1, 1, tmp_path)[0]
    secs = time.perf_counter() - t0
    print(f"reunion, 1 jour : {secs:.1f} s")
    assert secs < 60
    etab = read(folder, "etablissements")
    counts = etab["type"].value_counts()
    assert counts["COLLEGE"] == 80 and counts["LYCEE"] + counts["LYCEE_PRO"] == 50
    assert counts[["ECOLE_MATERNELLE", "ECOLE_ELEMENTAIRE", "ECOLE_PRIMAIRE"]].sum() >= 520
    assert etab["circonscription_code"].nunique() == 26
    n_pupils = sum(1 for _ in open(folder / "eleves.csv", encoding="utf-8")) - 1
    n_records = sum(1 for _ in open(folder / "responsables.csv", encoding="utf-8")) - 1
    assert 190_000 < n_pupils < 230_000 and 280_000 < n_records < 380_000


def test_several_chunks_keep_identifiers_unique(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """National runs append département chunks: ids, logins and mobiles must stay unique across them."""
    import data.generate as g

    demo = g.profile_chunks("demo")[0]
    other = g.Chunk(**{**demo.__dict__, "dep_code": "976", "uai_prefix": "976", "dep_name": "Mayotte",
                       "acad_code": "43", "acad_name": "Mayotte", "population": "mayotte", "phones": "mayotte"})
    monkeypatch.setattr(g, "profile_chunks", lambda profile: [demo, demo, other])
    for fmt in ("csv", "parquet"):
        folder = g.generate("demo", 1, START, 1, 1, tmp_path / fmt, fmt=fmt)[0]
        tabs = {t: pq.read_table(folder / f"{t}.parquet").to_pandas() if fmt == "parquet" else read(folder, t)
                for t in TABLES}
        assert tabs["eleves"]["ine"].is_unique
        assert tabs["responsables"]["responsable_id"].is_unique
        assert tabs["comptes"]["identifiant"].is_unique
        assert set(tabs["responsables"]["identifiant"]) <= set(tabs["comptes"]["identifiant"])
        re_ = tabs["responsables"]
        first_name = re_["prenoms"].str.split(" ").str[0]
        assert (first_name.groupby(re_["telephone_portable"]).nunique() == 1).all()
        assert set(tabs["etablissements"]["academie_code"]) == {"28", "43"}
        assert re_.loc[re_["uai"].str.startswith("976"), "telephone_portable"].dropna().str.match("0639").mean() > 0.9
