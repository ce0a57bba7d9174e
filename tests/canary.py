"""The canary world of the access matrix (tests/test_access_matrix.py): the mini snapshots plus data that a role
must never receive, built in a tmp copy and ingested through the real pipeline (data.ingest.ingest).

Added to the latest snapshot (2026-09-15), on top of tests/fixtures/mini (see its README):
- an establishment of another académie (`OTHER_ACA_UAI`, académie 10);
- probable duplicates of `h.dupont` (collège guardian): one in the lycée (same mobile, another email, another
  account) and one in the other académie (same email, another mobile, another account);
- homonyms of `a.dupont` (same usage and birth names and first name, other contact data): one in the lycée, one
  in the other académie; and a pupil homonym of the collège's Hugo DUPONT (same names and date of birth) there;
- a guardian of the lycée whose name looks like a spreadsheet formula;
- quarantined lines (values kept with their reason) of the lycée, of the other académie and of the collège;
and, in the transactional store, Journal rows of other establishments (a lycée head's search, view and
diagnostic, a head of the other académie's view).

Plain module (not a test, not conftest): test files import it.
"""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

from queries.core.settings import Settings

MINI = Path(__file__).parent / "fixtures" / "mini"
LATEST = "2026-09-15"

ECOLE_UAI = "9740101S"
COLLEGE_UAI = "9740501B"
LYCEE_UAI = "9740601K"
OTHER_ACA_UAI = "0690001B"
OTHER_ACA_NAME = "Collège Canari de Lyon"
LYCEE_NAME = "Lycée Antoine Roussin"
FORMULA = '=HYPERLINK("http://canari.example/x","FORMULE")'

_ETAB = (f"{OTHER_ACA_UAI};{OTHER_ACA_NAME};COLLEGE;2D;Lyon;;;069;Rhône;10;Lyon")
_PUPILS = (
    f"CANL0000001;DUPONT;Tom;2010-05-05;{LYCEE_UAI};2NDE 1;20010018110;2NDE GENERALE ET TECHNO",
    f"CANL0000002;CANARI;Zoé;2010-06-06;{LYCEE_UAI};2NDE 1;20010018110;2NDE GENERALE ET TECHNO",
    # Homonym of the collège's Hugo DUPONT, same date of birth, in another académie.
    f"CANA0000001;DUPONT;Hugo;2015-02-14;{OTHER_ACA_UAI};6EME A;10010012110;6EME",
    # Quarantined (impossible dates of birth): the lycée's, the other académie's, the collège's own.
    f"CANQ0000001;QUARANTE;Lycée;2012-02-31;{LYCEE_UAI};2NDE 1;20010018110;2NDE GENERALE ET TECHNO",
    f"CANQ0000002;QUARANTE;Lyon;2015-02-30;{OTHER_ACA_UAI};6EME A;10010012110;6EME",
    f"CANQ0000003;QUARANTE;College;2014-02-30;{COLLEGE_UAI};6EME A;10010012110;6EME",
)
_RECORDS = (
    # Probable duplicate of h.dupont (R09, collège): same mobile, other email and account (lycée).
    f"CANL-H-DUP;SIECLE;{LYCEE_UAI};M;DUPONT;DUPONT;Henri;0692000009;henri.lycee@canari.example;canari.hdup.lyc",
    # Probable duplicate of h.dupont in another académie: same email, other mobile and account.
    f"CANA-H-DUP;SIECLE;{OTHER_ACA_UAI};M;DUPONT;DUPONT;Henri;0611223344;henri.dupont@example.re;canari.hdup.aca",
    # Homonyms of a.dupont (R01 école, R02 collège): other mobile and email, so another person.
    f"CANL-A-HOM;SIECLE;{LYCEE_UAI};MME;DUPONT;DUPONT;Anne;0699887766;anne.homonyme@canari.example;canari.adup.lyc",
    f"CANA-A-HOM;SIECLE;{OTHER_ACA_UAI};MME;DUPONT;DUPONT;Anne;0655443322;anne.lyon@canari.example;canari.adup.aca",
    # A name that a spreadsheet would run as a formula.
    f'CANL-FORMULA;SIECLE;{LYCEE_UAI};MME;"{FORMULA.replace(chr(34), chr(34) * 2)}";CANARI;Céleste;0699000001;'
    "formule@canari.example;canari.formule",
)
_LINKS = (
    "CANL-H-DUP;CANL0000001;PERE",
    "CANL-A-HOM;CANL0000002;MERE",
    "CANL-FORMULA;CANL0000002;MERE",
    "CANA-H-DUP;CANA0000001;PERE",
    "CANA-A-HOM;CANA0000001;MERE",
    "CANL-FORMULA;CANQZZ00077;MERE",  # quarantined: unknown pupil (a lycée guardian's line)
)
_ACCOUNTS = (
    "canari.hdup.lyc;ETABLISSEMENT;ACTIVE;2026-06-26;2026-06-30;2026-08-31;;henri.lycee@canari.example;0692000009",
    "canari.hdup.aca;ETABLISSEMENT;ACTIVE;2026-06-26;2026-06-30;2026-08-31;;henri.dupont@example.re;0611223344",
    "canari.adup.lyc;RESPONSABLE;ACTIVE;;2026-08-20;2026-08-31;;anne.homonyme@canari.example;0699887766",
    "canari.adup.aca;RESPONSABLE;ACTIVE;;2026-08-20;2026-08-31;;anne.lyon@canari.example;0655443322",
    "canari.formule;RESPONSABLE;ACTIVE;;2026-08-20;2026-08-31;;formule@canari.example;0699000001",
    "canari.formule;RESPONSABLE;DESACTIVE;;;;;;",  # quarantined: duplicated account (lycée)
)

# Quarantined values and the establishment each belongs to.
QUARANTINED = {"2012-02-31": LYCEE_UAI, "2015-02-30": OTHER_ACA_UAI, "2014-02-30": COLLEGE_UAI,
               "CANQZZ00077": LYCEE_UAI}

# Journal rows of other establishments: (login, scope, action, targets, unique detail marker).
JOURNAL = (
    ("canari.chef.lycee", f"etablissement:{LYCEE_UAI}", "search", [], "CANARI-JOURNAL-RECHERCHE-LYCEE"),
    ("canari.chef.lycee", f"etablissement:{LYCEE_UAI}", "view", ["canari.formule"], "CANARI-JOURNAL-VUE-LYCEE"),
    ("canari.chef.lycee", f"etablissement:{LYCEE_UAI}", "diagnostic",
     ["canari.hdup.lyc", "CANL-H-DUP@" + LYCEE_UAI, "CANL-A-HOM@" + LYCEE_UAI], "CANARI-JOURNAL-DIAG-LYCEE"),
    ("canari.chef.ecole2", "etablissement:9740102T", "view", ["f.hoarau"], "CANARI-JOURNAL-VUE-ECOLE2"),
)
JOURNAL_MARKERS = {m: s.split(":")[1] for _l, s, _a, _t, m in JOURNAL}  # marker -> UAI of the row


def write_snapshots(dst: Path) -> Path:
    """The mini snapshots with the canary lines appended to the latest one; returns the root folder."""
    shutil.copytree(MINI, dst, ignore=shutil.ignore_patterns("*.md"))
    last = dst / LATEST

    def append(table: str, lines: tuple[str, ...]) -> None:
        with open(last / f"{table}.csv", "a", encoding="utf-8") as f:
            f.writelines(x + "\n" for x in lines)

    append("etablissements", (_ETAB,))
    append("eleves", _PUPILS)
    append("responsables", _RECORDS)
    append("liens", _LINKS)
    append("comptes", _ACCOUNTS)
    return dst


def build_warehouse(root: Path) -> Settings:
    """Ingest the canary snapshots into root/warehouse (data dir root/var); fails loudly on a refusal."""
    from data.ingest import ingest

    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(root / "var"), "METEOCOMPTES_WAREHOUSE": str(root / "warehouse")})
    out = io.StringIO()
    outcomes = ingest(s, [write_snapshots(root / "snapshots")], out=out, err=out)
    assert all(o.error is None for o in outcomes), out.getvalue()
    return s


def write_journal(settings: Settings) -> None:
    """Audit rows made by heads of other establishments (no account needed: the log outlives accounts)."""
    from queries.core.scope import Principal, Role, Scope
    from queries.store import audit

    for i, (login, scope, action, targets, marker) in enumerate(JOURNAL):
        p = Principal(90_000 + i, login, Role.CHEF, Scope.parse(scope))
        audit.record(settings, p, action, targets=targets, detail={"canari": marker}, at=datetime.now())
