"""Console export files (one establishment, labels not codes): coverage `uai:<UAI>`."""

from __future__ import annotations

from datetime import date

import pytest
from ingest_kit import GUIDE_ROWS, HEADER, UAI, D, export_file, run_export, table
from mini_kit import wh_rows

from data.ingest import IngestError, ingest
from queries.core.vocab import QUARANTINE_REASONS

# Exports are ingested into the mini warehouse (full snapshots from 2026-09-01): at 2020 dates the full coverage
# has no data, so the statistics of the establishment come from its export coverage `uai:<UAI>`, and the
# establishment's attributes (académie, département…) are taken from the full snapshots.








def test_guide_export_ingested(mini_warehouse, tmp_path) -> None:
    oc, out, _ = run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS))
    assert oc.error is None
    assert oc.rows["export"] == {"lus": 8, "charges": 8, "quarantaine": 0}
    assert oc.rows["eleves"]["charges"] == 5 and oc.rows["comptes"]["charges"] == 6
    assert oc.rows["responsables"]["charges"] == 6 and oc.rows["liens"]["charges"] == 8
    assert "uai:9740501B" in out and "lignes lues" in out
    t = table(mini_warehouse, f"etablissement:{UAI}")
    assert t["ETABLISSEMENT"]["comptes"] == 2 and t["ETABLISSEMENT"]["ACTIVE"] == 1
    assert t["ETABLISSEMENT"]["NOTIFIE_NON_ACTIVE"] == 1
    assert t["NON_RENSEIGNE"]["NON_NOTIFIE"] == 4
    assert t["TOTAL"]["comptes"] == 6
    assert table(mini_warehouse, f"classe:{UAI}:5EME A")["TOTAL"]["comptes"] == 3
    assert table(mini_warehouse, f"mef:{UAI}:3EME PREPA-METIERS")["TOTAL"]["comptes"] == 2
    assert wh_rows(mini_warehouse, "SELECT cov, kind FROM snapshot WHERE cov <> 'full'") == [(f"uai:{UAI}", "export")]
    # Names split as NOM Prénom(s); synthetic ids are stable and INE-shaped.
    rows = wh_rows(mini_warehouse, "SELECT ine, nom, prenom FROM eleve_h WHERE cov <> 'full' AND classe = '5EME A' ORDER BY nom, prenom")
    assert [(n, p) for _, n, p in rows] == [("ABBEYEM", "Réhain"), ("ABDOUFOUSTOFA", None)]
    assert all(len(i) == 11 and i.startswith("X") for i, _, _ in rows)
    assert wh_rows(mini_warehouse, "SELECT courriel FROM compte_h WHERE cov <> 'full' AND identifiant = 's.abbeym12'") == [("(renseignée)",)]
    assert wh_rows(mini_warehouse, "SELECT date_notification FROM compte_h WHERE cov <> 'full' AND identifiant = 'm.abbeym'") == [(date(2020, 6, 26),)]


def test_export_windows_1252_oui_non_slashes(mini_warehouse, tmp_path) -> None:
    rows = [r.replace("✘", "Non").replace("✔", "Oui").replace("26-06-2020", "26/06/2020").replace("● ", "")
            for r in GUIDE_ROWS]
    oc, _, _ = run_export(mini_warehouse, export_file(tmp_path, rows, encoding="cp1252"))
    assert oc.rows["export"]["quarantaine"] == 0
    assert table(mini_warehouse, f"etablissement:{UAI}")["TOTAL"]["comptes"] == 6
    assert wh_rows(mini_warehouse, "SELECT nom_usage, prenoms FROM resp_h WHERE cov <> 'full' AND identifiant = 'j.latchoumy1'") == [("LATCHOUMY", "Jean Gaël")]


def test_export_same_ids_across_dates_and_reimport_replaces(mini_warehouse, tmp_path) -> None:
    p = export_file(tmp_path, GUIDE_ROWS)
    run_export(mini_warehouse, p)
    run_export(mini_warehouse, p, d=date(2020, 8, 19))
    run_export(mini_warehouse, p, d=date(2020, 8, 19))
    # one open interval per pupil: same synthetic ids on both dates
    assert wh_rows(mini_warehouse, "SELECT count(*), count(DISTINCT ine) FROM eleve_h WHERE cov <> 'full'") == [(5, 5)]
    assert wh_rows(mini_warehouse, "SELECT count(*) FROM snapshot WHERE cov <> 'full'") == [(2,)]


def test_export_quarantine(mini_warehouse, tmp_path) -> None:
    bad = [
        "DUPONT Léa;6EME D;6EME;DUPONT Anne;a.dupont;Peut-être;● Activé;Établissement;26-06-2020;",   # line 10
        "DUPONT Léa;6EME D;6EME;MARTIN Paul;p.martin;✘;● Bizarre;Établissement;;",                  # line 11
        "DUPONT Léa;6EME D;6EME;NOEL Marc;m.noel;✘;● Activé;Minitel;;",                            # line 12
        "DUPONT Léa;6EME D;6EME;ROBIN Eve;e.robin;✘;● Activé;ENT;32-01-2020;",                      # line 13
        ";6EME D;6EME;ROBIN Eve;e.robin;✘;● Activé;ENT;;",                                          # line 14
        "ABBEYEM Emma;3EME J;3EME PREPA-METIERS;ABBEYEM Marie Sandrine;m.abbeym;✘;● Activé;Établissement;26-06-2020;",  # 15 dup
        "ABBEYEM Yvan;4EME A;4EME;HOARAU Gabrielle;g.hoarau12;✘;● Activé;Établissement;;",         # 16 conflict
    ]
    oc, _, _ = run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS + bad))
    assert oc.error is None
    q = wh_rows(mini_warehouse, "SELECT line, column_name, value, reason_code, reason, file, uais FROM quarantine "
                                "WHERE cov <> 'full' ORDER BY line, column_name")
    assert [(line, col, value, code) for line, col, value, code, *_ in q] == [
        (10, "messagerie", "Peut-être", "inconnu"), (11, "statut", "● Bizarre", "inconnu"),
        (12, "origine", "Minitel", "inconnu"), (13, "date_notification", "32-01-2020", "date_invalide_fr"),
        (14, "eleve", None, "manquant"), (15, "responsable", "ABBEYEM Emma / ABBEYEM Marie Sandrine", "doublon_couple"),
        (16, "statut", "● Activé", "compte_incoherent")]
    for _line, _col, value, code, reason, file, uais in q:
        assert reason == QUARANTINE_REASONS[code] and (value is None or value not in reason)
        assert file == "export.csv" and uais == [UAI]  # no server path; the export's establishment
    assert oc.rows["export"] == {"lus": 15, "charges": 8, "quarantaine": 7}
    assert table(mini_warehouse, f"etablissement:{UAI}")["TOTAL"]["comptes"] == 6


def test_export_drop_is_per_establishment(mini_warehouse, tmp_path) -> None:
    run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS))
    # Another establishment with fewer rows is not compared with this one.
    oc, _, _ = run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS[:2], name="other.csv"), uai="9740601K", d=date(2020, 8, 19))
    assert oc.error is None
    oc, _, err = run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS[:4], name="small.csv"), d=date(2020, 8, 19))
    assert oc.error is not None and "small.csv" in oc.error and "4 lignes contre 8" in oc.error
    oc, _, _ = run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS[:4], name="small.csv"), d=date(2020, 8, 19), force=True)
    assert oc.error is None


def test_export_missing_column_refused(mini_warehouse, tmp_path) -> None:
    p = tmp_path / "export.csv"
    p.write_text(HEADER.replace(";Statut du compte", "") + "\n", encoding="utf-8")
    oc, _, _ = run_export(mini_warehouse, p)
    assert oc.error is not None and "statut du compte" in oc.error


def test_export_needs_uai_and_date(mini_warehouse, tmp_path) -> None:
    p = export_file(tmp_path, GUIDE_ROWS)
    with pytest.raises(IngestError, match="--uai et --date"):
        ingest(mini_warehouse, [p])
    with pytest.raises(IngestError, match="UAI 9740501X : lettre de contrôle invalide \\(attendue : B\\)"):
        ingest(mini_warehouse, [p], uai="9740501x", d=D)
    with pytest.raises(IngestError, match="format invalide"):
        ingest(mini_warehouse, [p], uai="974-0501", d=D)


def test_export_beside_full_snapshots(mini_warehouse, tmp_path) -> None:
    """An export stays in its own coverage: where the full snapshots know the establishment, they win."""
    run_export(mini_warehouse, export_file(tmp_path, GUIDE_ROWS), d=date(2026, 9, 20))
    assert table(mini_warehouse, f"etablissement:{UAI}", None)["TOTAL"]["comptes"] == 5
    assert table(mini_warehouse, "academie:28", None)["TOTAL"]["comptes"] == 14
    assert wh_rows(mini_warehouse, "SELECT count(*) FROM snapshot WHERE cov = 'uai:9740501B'") == [(1,)]


def test_export_of_unknown_establishment(settings, tmp_path) -> None:
    """No full snapshot knows the UAI: the establishment row has only its UAI, the export still counts."""
    oc, _, _ = run_export(settings, export_file(tmp_path, GUIDE_ROWS), uai="9740001H")
    assert oc.error is None
    assert table(settings, "etablissement:9740001H")["TOTAL"]["comptes"] == 6
    assert table(settings, "classe:9740001H:6EME D")["TOTAL"]["comptes"] == 2
