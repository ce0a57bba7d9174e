"""Console « Responsables »: search, account detail, siblings, « Je ne vois pas tous mes enfants » diagnostic.

Every function takes the Principal and filters by its scope IN SQL (on the view `console_all`: the derived
table `console_row`, built by queries/warehouse/console_tables.py for the latest snapshot, and the rows of the
establishments known only through a console export, `console_xrow`, whose actions needing data the export lacks
are refused: `Unavailable`). Values always travel as parameters; the only strings
composed into SQL are constant fragments chosen from whitelists in this module. Search terms are matched with
`contains()` on normalised name keys, or `starts_with()` on the lower-cased account identifier (helpdesk calls
start with it: « o.alamelou »), so `%`, `_`, quotes and other meta-characters are plain characters.

Actions made since the latest snapshot (notifications, resets, corrections: queries.store.console_state) are overlaid on
the snapshot's state here, so that searches, filters, sorts and the detail show the live state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from queries import warehouse
from queries.core import authz, vocab
from queries.core.authz import Action
from queries.core.formats import fmt_date
from queries.core.scope import AccessDenied, Level, Principal
from queries.core.settings import Settings
from queries.store import audit, console_state

# Vocabularies (docs/DOMAINE.md): the console writes "Non renseigné" where the statistics write "N/A".
ORIGINES: dict[str, str] = {**vocab.ORIGINES, "NON_RENSEIGNE": "Non renseigné"}
ETATS: dict[str, str] = vocab.ETATS

MAX_QUERY_CHARS = 100  # longer searches are cut (a 10 000-character search is not an error, just truncated)
MAX_TERMS = 6
MAX_CLASSES = 60
MAX_PAGE = 500  # whatever the grid asks, one request returns at most this many rows

# Grid column id -> SQL sort expression (whitelist: anything else is ignored).
SORT_COLUMNS: dict[str, str] = {
    "eleve": "k_all",  # k_all starts with the pupil's name key
    "classe": "classe",
    "mef": "mef_libelle",
    # as displayed (usage name, first names): folded on the rows of the scope only when this sort is asked for
    "responsable": "lower(strip_accents(coalesce(nom_usage, '') || ' ' || coalesce(prenoms, '')))",
    "identifiant": "identifiant",
    "messagerie": "has_email",
    "etat": "etat",
    "origine": "origine",
    "date_notification": "date_notification",
    "date_derniere_connexion": "date_derniere_connexion",
    "etablissement": "etab_nom",
}
# By names, pupil then guardian (k_all: pupil | guardian names), across establishments too: a support searching
# the académie reads one alphabetical list (the Établissement column tells where each line is); rid breaks ties.
DEFAULT_ORDER = "k_all, uai, rid"

_SPACES = re.compile(r"\s+")
UAI_RE = re.compile(r"^\d{3}\d{4}[A-Z]$", re.ASCII)  # ASCII: \d would accept other scripts' digits
_CTRL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str) -> str:
    """lower + strip accents, as DuckDB's lower(strip_accents(x)) does for the stored keys."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def search_terms(q: str | None) -> list[str]:
    """Normalised words of a search: capped in length and count; every character is literal."""
    if not q or not isinstance(q, str):
        return []
    q = _CTRL.sub(" ", q[: MAX_QUERY_CHARS * 4])  # cut before normalising: NFKD may expand
    words = [w for w in _SPACES.split(fold(q).strip()) if w]
    out: list[str] = []
    total = 0
    for w in words[:MAX_TERMS]:
        w = w[: MAX_QUERY_CHARS - total]
        if not w:
            break
        out.append(w)
        total += len(w)
    return out


def _yes_no(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        v = v.strip().lower()
        if v in ("oui", "1", "true", "avec"):
            return True
        if v in ("non", "0", "false", "sans"):
            return False
    return None


def _listish(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [x for x in v.split(",") if x.strip()]
    if isinstance(v, (list, tuple)):
        return [x for x in v if isinstance(x, str)]
    return []


def valid_uai(v: Any) -> str | None:
    """An establishment code (UAI: 7 digits + 1 letter, upper-cased) or None: anything else is dropped."""
    if not isinstance(v, str):
        return None
    v = v.strip().upper()
    return v if len(v) == 8 and UAI_RE.fullmatch(v) else None


@dataclass(frozen=True)
class Filters:
    """What the user asked. Everything is validated here; unknown codes are dropped."""

    q: str = ""
    classes: tuple[str, ...] = ()
    etats: tuple[str, ...] = ()
    origines: tuple[str, ...] = ()
    email: bool | None = None  # True: with an email, False: without, None: either
    mobile: bool | None = None
    uai: str | None = None  # one establishment, ANDed with the principal's scope (never replacing it)

    @classmethod
    def build(
        cls,
        q: Any = "",
        classes: Any = None,
        etats: Any = None,
        origines: Any = None,
        email: Any = None,
        mobile: Any = None,
        uai: Any = None,
    ) -> Filters:
        q = q if isinstance(q, str) else ""
        cl = tuple(dict.fromkeys(c.strip()[:40] for c in _listish(classes) if c.strip()))[:MAX_CLASSES]
        et = tuple(e for e in dict.fromkeys(_listish(etats)) if e in ETATS)
        og = tuple(o for o in dict.fromkeys(_listish(origines)) if o in ORIGINES)
        return cls(q[: MAX_QUERY_CHARS], cl, et, og, _yes_no(email), _yes_no(mobile), valid_uai(uai))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        """From URL parameters (`uai`, `classe`, `etat`, `origine`, `mail`, `mobile`; `q` only when given)."""
        return cls.build(
            params.get("q", ""), params.get("classe"), params.get("etat"), params.get("origine"),
            params.get("mail"), params.get("mobile"), params.get("uai"),
        )

    @classmethod
    def from_dict(cls, d: Any) -> Filters:
        """From `as_dict()` (export token, grid context): validated again, like any browser input."""
        d = d if isinstance(d, Mapping) else {}
        return cls.build(d.get("q"), d.get("classe"), d.get("etat"), d.get("origine"), d.get("mail"),
                         d.get("mobile"), d.get("uai"))

    def url_params(self) -> dict[str, str]:
        """URL form. The search text is left out on purpose: names typed in the search box would otherwise end
        up in browser history, proxies' and gunicorn's access logs. Only codes and class names go in the URL."""
        p: dict[str, str] = {}
        if self.uai:
            p["uai"] = self.uai
        if self.classes:
            p["classe"] = ",".join(self.classes)
        if self.etats:
            p["etat"] = ",".join(self.etats)
        if self.origines:
            p["origine"] = ",".join(self.origines)
        if self.email is not None:
            p["mail"] = "oui" if self.email else "non"
        if self.mobile is not None:
            p["mobile"] = "oui" if self.mobile else "non"
        return p

    def as_dict(self) -> dict[str, Any]:
        return {"q": self.q, "classe": list(self.classes), "etat": list(self.etats), "origine": list(self.origines),
                "mail": None if self.email is None else ("oui" if self.email else "non"),
                "mobile": None if self.mobile is None else ("oui" if self.mobile else "non"), "uai": self.uai}

    def describe(self) -> str:
        """French one-line summary (audit, PDF header). The search text is included: the user typed it."""
        parts = []
        if self.q.strip():
            parts.append(f"recherche « {self.q.strip()[:40]} »")
        if self.uai:
            parts.append(f"établissement {self.uai}")
        if self.classes:
            parts.append("classes " + ", ".join(self.classes))
        if self.etats:
            parts.append("états " + ", ".join(ETATS[e] for e in self.etats))
        if self.origines:
            parts.append("origines " + ", ".join(ORIGINES[o] for o in self.origines))
        if self.email is not None:
            parts.append("avec courriel" if self.email else "sans courriel")
        if self.mobile is not None:
            parts.append("avec portable" if self.mobile else "sans portable")
        return " ; ".join(parts) or "aucun filtre"


# ---------------------------------------------------------------------------------------------------------
# Scope and live overlay




def scope_sql(principal: Principal, alias: str = "c") -> tuple[str, list[Any]]:
    """SQL predicate selecting the rows of the principal's scope (pupil's establishment, class, MEF)."""
    scope = principal.scope
    if scope is None:
        raise AccessDenied("Aucun périmètre.")
    pred, params = scope.etab_predicate(alias)
    if scope.level is Level.CLASSE:
        pred, params = f"{pred} AND {alias}.classe = ?", [*params, scope.sub]
    elif scope.level is Level.MEF:
        pred, params = f"{pred} AND {alias}.mef_code = ?", [*params, scope.sub]
    return f"({pred})", list(params)


@dataclass(frozen=True)
class Snapshot:
    date: date
    ingested_at: datetime


def latest_snapshot(settings: Settings) -> Snapshot:
    """The console's data date: the latest full snapshot, or the latest console export when there is none."""
    info = warehouse.coverage(settings).latest()
    return Snapshot(info.date, info.ingested_at)


_OV_TYPE = (
    "STRUCT(identifiant VARCHAR, etat VARCHAR, origine VARCHAR, date_notification DATE, "
    "date_demande_reinit_mdp DATE, courriel VARCHAR, telephone_portable VARCHAR)[]"
)


def _overlay(settings: Settings, snap: Snapshot) -> list[dict[str, Any]]:
    return console_state.live_overlay(settings, snap.date, snap.ingested_at)


def _base(settings: Settings, snap: Snapshot) -> tuple[str, list[Any]]:
    """FROM clause: console_all with the live overlay applied (columns keep their names)."""
    ov = _overlay(settings, snap)
    if not ov:
        return "console_all c", []
    # Overlay rows come from the store; they go in as one typed list parameter, never as SQL text.
    sql = f"""(SELECT c.* REPLACE (
            coalesce(o.etat, c.etat) AS etat,
            coalesce(o.origine, c.origine) AS origine,
            coalesce(o.date_notification, c.date_notification) AS date_notification,
            coalesce(o.date_demande_reinit_mdp, c.date_demande_reinit_mdp) AS date_demande_reinit_mdp,
            coalesce(o.courriel, c.compte_courriel) AS compte_courriel,
            coalesce(o.telephone_portable, c.compte_mobile) AS compte_mobile,
            (o.courriel IS NOT NULL OR c.has_email) AS has_email,
            (o.telephone_portable IS NOT NULL OR c.has_mobile) AS has_mobile)
        FROM console_all c
        LEFT JOIN (SELECT unnest(?::{_OV_TYPE}, max_depth := 2)) o ON o.identifiant = c.identifiant) c"""  # noqa: S608
    return sql, [ov]


def _where(principal: Principal, f: Filters) -> tuple[str, list[Any]]:
    pred, params = scope_sql(principal)
    clauses = [pred]  # the scope always stays: the establishment filter only narrows it
    if f.uai:
        clauses.append("c.uai = ?")
        params.append(f.uai)
    for term in search_terms(f.q):
        # a name (infix, accent-free) or, when the term has the shape of an EduConnect identifier (« o.alamelou »:
        # initial, dot, name), the account identifier (exact or prefix, case-insensitive). A plain name does not
        # lower-case every identifier of the académie for nothing (×1.6 on a whole-académie search).
        if "." in term:
            clauses.append("(contains(c.k_all, ?) OR starts_with(lower(c.identifiant), ?))")
            params += [term, term]
        else:
            clauses.append("contains(c.k_all, ?)")
            params.append(term)
    if f.classes:
        clauses.append("list_contains(?, c.classe)")
        params.append(list(f.classes))
    if f.etats:
        clauses.append("list_contains(?, c.etat)")
        params.append(list(f.etats))
    if f.origines:
        clauses.append("list_contains(?, c.origine)")
        params.append(list(f.origines))
    if f.email is not None:
        clauses.append("c.has_email = ?")
        params.append(f.email)
    if f.mobile is not None:
        clauses.append("c.has_mobile = ?")
        params.append(f.mobile)
    return " AND ".join(clauses), params


def order_by(sort_model: Any) -> str:
    """ORDER BY from the grid's sortModel: whitelisted columns and directions only."""
    parts: list[str] = []
    if isinstance(sort_model, list):
        for item in sort_model[:3]:
            if not isinstance(item, dict):
                continue
            col = SORT_COLUMNS.get(str(item.get("colId", "")))
            if col is None:
                continue
            direction = "DESC" if item.get("sort") == "desc" else "ASC"
            parts.append(f"{col} {direction} NULLS LAST")
    parts.append(DEFAULT_ORDER)
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Search

# Display names are composed here, on the rows of one page, rather than stored on every console_row.
ELEVE = "trim(upper(eleve_nom) || ' ' || coalesce(eleve_prenom, '')) AS eleve"
RESPONSABLE = "trim(upper(nom_usage) || ' ' || coalesce(prenoms, '')) AS responsable"
GRID_COLUMNS = (
    f"rid, {ELEVE}, classe, mef_libelle, {RESPONSABLE}, identifiant, has_email, etat, origine, "
    "date_notification, date_derniere_connexion, uai, etab_nom"
)


@dataclass
class SearchResult:
    rows: list[dict[str, Any]]
    total: int
    start: int = 0




def grid_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """A result row as the grid shows it (French labels, JJ/MM/AAAA dates)."""
    return {
        "rid": r["rid"],
        "eleve": r["eleve"],
        "classe": r["classe"] or "",
        "mef": r["mef_libelle"] or "",
        "responsable": r["responsable"],
        "identifiant": r["identifiant"],
        "messagerie": "✔" if r["has_email"] else "✘",
        "etat": ETATS.get(r["etat"], r["etat"] or ""),
        "etat_code": r["etat"],
        "origine": ORIGINES.get(r["origine"], r["origine"] or ""),
        "date_notification": fmt_date(r["date_notification"], ""),
        "date_derniere_connexion": fmt_date(r["date_derniere_connexion"], ""),
        "etablissement": r["etab_nom"] or "",
        "uai": r["uai"] or "",
    }


def _fetch_dicts(con: Any, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class Counts:
    """What a search found: `lignes` pupil × guardian lines (what the grid lists, as the real console counts) and
    `comptes` distinct accounts among them (what the statistics count): docs/DOMAINE.md, counting rules."""

    lignes: int
    comptes: int


def counts(settings: Settings, principal: Principal, f: Filters) -> Counts:
    """Lines and distinct accounts of the same filtered, scoped query (one scan)."""
    authz.require(principal, Action.CONSOLE)
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    where, wp = _where(principal, f)
    sql = f"SELECT count(*), count(DISTINCT identifiant) FROM {base} WHERE {where}"  # noqa: S608 (constant fragments)
    with warehouse.connect(settings) as con:
        n, m = con.execute(sql, bp + wp).fetchone()
    return Counts(int(n), int(m))


def count(settings: Settings, principal: Principal, f: Filters) -> int:
    """Lines of the filter (pupil × guardian)."""
    return counts(settings, principal, f).lignes


def search(
    settings: Settings,
    principal: Principal,
    f: Filters,
    start: int = 0,
    limit: int | None = None,
    sort_model: Any = None,
    with_total: bool = True,
) -> SearchResult:
    """One page of results (offset/limit), sorted on the server, plus the total count."""
    authz.require(principal, Action.CONSOLE)
    start = max(0, int(start)) if isinstance(start, (int, float)) else 0
    page = int(limit) if isinstance(limit, (int, float)) and limit > 0 else int(settings["PAGE_SIZE"])
    page = min(page, MAX_PAGE)
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    where, wp = _where(principal, f)
    # With a search text the scan (contains() on every row) dominates: one pass gives both the page and the
    # total (window count over the matching rows only). Without one, count(*) alone is cheap: two queries.
    one_pass = with_total and bool(search_terms(f.q))
    total_col = ", count(*) OVER () AS _total" if one_pass else ""
    sql = f"SELECT {GRID_COLUMNS}{total_col} FROM {base} WHERE {where} ORDER BY {order_by(sort_model)} LIMIT ? OFFSET ?"  # noqa: S608 (constant fragments)
    with warehouse.connect(settings) as con:
        rows = _fetch_dicts(con, sql, [*bp, *wp, page, start])
        total = -1
        if one_pass and rows:
            total = int(rows[0]["_total"])
        elif with_total and (rows or start > 0 or not one_pass):
            total = int(con.execute(f"SELECT count(*) FROM {base} WHERE {where}", bp + wp).fetchone()[0])  # noqa: S608
        elif with_total:
            total = 0
    return SearchResult([grid_row(r) for r in rows], total, start)


EXPORT_COLUMNS = (
    f"{ELEVE}, classe, mef_libelle, {RESPONSABLE}, identifiant, has_email, etat, origine, date_notification, "
    "date_derniere_connexion, uai, etab_nom"
)


def export_rows(settings: Settings, principal: Principal, f: Filters, max_rows: int | None = None) -> list[dict[str, Any]]:
    """Every row of the filter (up to EXPORT_MAX_ROWS + 1, so that the caller can tell it was cut)."""
    authz.require(principal, Action.CONSOLE)
    cap = int(max_rows or settings["EXPORT_MAX_ROWS"])
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    where, wp = _where(principal, f)
    sql = f"SELECT rid, {EXPORT_COLUMNS} FROM {base} WHERE {where} ORDER BY {DEFAULT_ORDER} LIMIT ?"  # noqa: S608
    with warehouse.connect(settings) as con:
        rows = _fetch_dicts(con, sql, [*bp, *wp, cap + 1])
    return [grid_row(r) for r in rows]


def accounts_of_filter(settings: Settings, principal: Principal, f: Filters, cap: int = 50_000) -> list[str]:
    """Distinct accounts of every row of the current filter (« tous les résultats »), scope-checked in SQL."""
    authz.require(principal, Action.CONSOLE)
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    where, wp = _where(principal, f)
    sql = f"SELECT DISTINCT identifiant FROM {base} WHERE {where} ORDER BY identifiant LIMIT ?"  # noqa: S608
    with warehouse.connect(settings) as con:
        return [r[0] for r in con.execute(sql, [*bp, *wp, cap]).fetchall()]


def _accounts_matching(settings: Settings, principal: Principal, column: str, keys: list[str]) -> list[str]:
    """Distinct accounts of console rows whose `column` (identifiant or rid) is in `keys`, inside the scope."""
    if not keys:
        return []
    pred, params = scope_sql(principal)
    sql = f"SELECT DISTINCT identifiant FROM console_all c WHERE list_contains(?, c.{column}) AND {pred} ORDER BY 1"  # noqa: S608
    with warehouse.connect(settings) as con:
        return [r[0] for r in con.execute(sql, [keys, *params]).fetchall()]


def accounts_in_scope(settings: Settings, principal: Principal, identifiants: Iterable[Any]) -> list[str]:
    """The given accounts that are linked to a pupil of the principal's scope (the others are dropped)."""
    authz.require(principal, Action.CONSOLE)
    ids = sorted({i for i in identifiants if isinstance(i, str) and 0 < len(i) <= 100})[:50_000]
    return _accounts_matching(settings, principal, "identifiant", ids)


def accounts_of_rows(settings: Settings, principal: Principal, rids: Iterable[Any]) -> list[str]:
    """Accounts of grid rows (opaque row ids from the browser), scope-checked in SQL."""
    authz.require(principal, Action.CONSOLE)
    ids = sorted({r for r in rids if isinstance(r, str) and re.fullmatch(r"[0-9a-f]{16}", r)})[:50_000]
    return _accounts_matching(settings, principal, "rid", ids)


def classes(settings: Settings, principal: Principal, uai: Any = None) -> list[str]:
    """Classes of the scope, for the filter (sorted). Across the académie the list is too long: empty, unless one
    establishment is chosen (`uai`, ANDed with the scope: an establishment outside it has no class)."""
    authz.require(principal, Action.CONSOLE)
    scope = principal.scope
    assert scope is not None
    one = valid_uai(uai)
    if scope.uai is None and one is None:
        return []
    pred, params = scope_sql(principal)
    if one is not None:
        pred, params = f"{pred} AND c.uai = ?", [*params, one]
    with warehouse.connect(settings) as con:
        rows = con.execute(
            f"SELECT DISTINCT classe FROM console_all c WHERE {pred} AND classe IS NOT NULL ORDER BY 1", params  # noqa: S608
        ).fetchall()
    return [r[0] for r in rows]


def uai_outside_remit(settings: Settings, principal: Principal, uai: Any) -> bool:
    """Whether an establishment filter names an establishment with no console row in the remit (unknown or
    outside alike: the answer to the user is the same either way, only the audit row says it was refused)."""
    one = valid_uai(uai)
    if one is None:
        return False
    pred, params = scope_sql(principal)
    with warehouse.connect(settings) as con:
        hit = con.execute(
            f"SELECT 1 FROM console_row c WHERE {pred} AND c.uai = ? LIMIT 1", [*params, one]  # noqa: S608
        ).fetchone()
    return hit is None


def establishments(settings: Settings, principal: Principal) -> list[tuple[str, str]]:
    """(UAI, name) of the establishments of the scope that have console rows, by name (establishment filter)."""
    authz.require(principal, Action.CONSOLE)
    pred, params = scope_sql(principal)
    with warehouse.connect(settings) as con:
        rows = con.execute(
            f"""SELECT c.uai, coalesce(any_value(c.etab_nom), '') AS nom FROM console_all c
                WHERE {pred} AND c.uai IS NOT NULL GROUP BY c.uai ORDER BY nom, c.uai""",  # noqa: S608
            params,
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


# ---------------------------------------------------------------------------------------------------------
# Account detail


@dataclass
class AccountDetail:
    identifiant: str
    compte: dict[str, Any]
    sources: list[dict[str, Any]]
    eleves_ici: list[dict[str, Any]]
    eleves_ailleurs: list[dict[str, Any]]
    corrections: list[dict[str, Any]] = field(default_factory=list)
    nom: str = ""
    indisponible: str = ""  # the account is known in the scope only through a console export: why data is missing


# ---------------------------------------------------------------------------------------------------------
# Establishments known only through a console export (coverage `uai:<UAI>`, console_exports.sql)
#
# The export holds the console's table only: names, class, MEF, account, state, origin, two dates and whether an
# email is known. What needs more (source records, addresses, mobiles, a letter's civility…) is refused with the
# reason. The key of each case names what the export lacks.
EXPORT_LACKS: dict[str, str] = {
    "fiche": "les fiches des bases de scolarité (ONDE, SIECLE) ni les coordonnées des responsables : seuls "
             "l'état du compte et ses dates sont connus",
    "notification": "la civilité, l'adresse ni le courriel des responsables, nécessaires à un courrier ou à un "
                    "courriel de notification : notifiez depuis la console EduConnect",
    "reinitialisation": "la civilité, l'adresse ni le courriel des responsables, nécessaires au courrier de "
                        "réinitialisation : réinitialisez le mot de passe depuis la console EduConnect",
    "correction": "les coordonnées des responsables, et aucun instantané ne confirmera une correction : "
                  "corrigez-les dans ONDE ou SIECLE",
    "diagnostic": "les fiches ONDE ou SIECLE des responsables, que le diagnostic compare",
}


class Unavailable(Exception):  # noqa: N818 - a state, like AccessDenied
    """An action needs data that a console export does not hold (message in French, no personal data)."""


def unavailable_reason(export_date: date, what: str) -> str:
    return (f"Indisponible : cet établissement n'est connu que par l'export de la console du "
            f"{export_date:%d/%m/%Y}, qui ne contient pas {EXPORT_LACKS[what]}.")


def export_only_date(settings: Settings, principal: Principal, identifiants: Iterable[Any]) -> date | None:
    """The export date when one of these accounts is known in the caller's scope only through console exports
    (every row of it in scope is an export row), else None."""
    ids = [str(i) for i in identifiants if isinstance(i, str)][:50_000]
    if not ids:
        return None
    pred, params = scope_sql(principal)
    sql = f"""SELECT max(d) FROM (
                  SELECT bool_and(c.cov <> 'full') AS only_export, max(c.cov_date) AS d FROM console_all c
                  WHERE list_contains(?, c.identifiant) AND {pred} GROUP BY c.identifiant)
              WHERE only_export"""  # noqa: S608
    with warehouse.connect(settings) as con:
        return con.execute(sql, [ids, *params]).fetchone()[0]  # type: ignore[index]


def refuse_export_only(settings: Settings, principal: Principal, identifiants: Iterable[Any], what: str) -> None:
    """Unavailable (with the reason) when one of these accounts is known only through a console export."""
    d = export_only_date(settings, principal, identifiants)
    if d is not None:
        raise Unavailable(unavailable_reason(d, what))


def _check_account(con: Any, principal: Principal, identifiant: str) -> None:
    pred, params = scope_sql(principal)
    ok = con.execute(
        f"SELECT 1 FROM console_all c WHERE c.identifiant = ? AND {pred} LIMIT 1", [identifiant, *params]  # noqa: S608
    ).fetchone()
    if ok is None:
        raise AccessDenied("Ce compte n'est rattaché à aucun élève de votre périmètre.")


def identifiant_of_row(settings: Settings, principal: Principal, rid: Any) -> str:
    """Account of one grid row, or AccessDenied if the row is outside the scope (or unknown)."""
    ids = accounts_of_rows(settings, principal, [rid])
    if len(ids) != 1:
        raise AccessDenied("Ligne inconnue ou hors de votre périmètre.")
    return ids[0]


def account_detail(settings: Settings, principal: Principal, identifiant: str) -> AccountDetail:
    """« Compte du responsable ». Only an account linked to a pupil of the scope can be opened (SQL check)."""
    authz.require(principal, Action.CONSOLE)
    if not isinstance(identifiant, str) or not 0 < len(identifiant) <= 100:
        raise AccessDenied("Identifiant invalide.")
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    pred, sp = scope_sql(principal, "c")
    with warehouse.connect(settings) as con:
        _check_account(con, principal, identifiant)
        rows = _fetch_dicts(
            con,
            f"""SELECT c.*, {pred} AS in_scope FROM {base} WHERE c.identifiant = ?
                ORDER BY c.degre DESC, c.uai, c.k_all""",  # noqa: S608
            [*sp, *bp, identifiant],
        )
        raw = con.execute(
            "SELECT compte_courriel, compte_mobile FROM console_all WHERE identifiant = ? ORDER BY cov <> 'full' LIMIT 1", [identifiant]
        ).fetchone()
        sources = _fetch_dicts(
            con,
            """SELECT r.responsable_id, r.source, r.uai, r.etab_nom, r.academie_code, r.civilite, r.nom_usage,
                      r.nom_naissance, r.prenoms, r.telephone_portable, r.courriel
               FROM console_resp r WHERE r.identifiant = ? ORDER BY r.source, r.uai, r.responsable_id""",
            [identifiant],
        )
    if not rows:
        raise AccessDenied("Compte introuvable.")
    first = rows[0]
    compte = {
        "identifiant": identifiant,
        "courriel": first["compte_courriel"] or "",
        "telephone_portable": first["compte_mobile"] or "",
        "origine": first["origine"],
        "etat": first["etat"],
        "date_notification": first["date_notification"],
        "date_activation": first["date_activation"],
        "date_derniere_connexion": first["date_derniere_connexion"],
        "date_demande_reinit_mdp": first["date_demande_reinit_mdp"],
    }
    seen: set[str] = set()
    ici: list[dict[str, Any]] = []
    ailleurs: list[dict[str, Any]] = []
    for r in rows:
        if r["ine"] in seen:  # one pupil linked through two source records of the same account: once
            continue
        seen.add(r["ine"])
        eleve = {
            "prenom": r["eleve_prenom"] or "",
            "nom": r["eleve_nom"] or "",
            "date_naissance": r["date_naissance"],
            "classe": r["classe"] or "",
            "ine": r["ine"],
            "uai": r["uai"],
            "etablissement": r["etab_nom"] or "",
            "degre": r["degre"] or "",
        }
        (ici if r["in_scope"] else ailleurs).append(eleve)
    src = sources[0] if sources else {}
    nom = f"{(src.get('nom_usage') or '').upper()} {src.get('prenoms') or ''}".strip()
    snapv = {"courriel": (raw[0] if raw else None) or "", "telephone_portable": (raw[1] if raw else None) or ""}
    corrections = console_state.corrections_for(settings, identifiant, compte, snap.date, snapv)
    d = export_only_date(settings, principal, [identifiant])
    if d is not None and not nom:  # no source record: the name the export shows
        nom = f"{(first['nom_usage'] or '').upper()} {first['prenoms'] or ''}".strip()
    return AccountDetail(identifiant, compte, sources, ici, ailleurs, corrections, nom,
                         unavailable_reason(d, "fiche") if d is not None else "")


# ---------------------------------------------------------------------------------------------------------
# Diagnostic « Je ne vois pas tous mes enfants »
#
# Source records elsewhere, on another account, that probably belong to the same person as the account opened
# (EduConnect reconciles records on names, first names and mobile: a record that differs on one of them sits on
# another account, and its pupils are missing from this one). What each caller sees (docs/DOMAINE.md, « Qui voit
# quoi »):
# - a record whose account the caller may open in the console (an account linked to a pupil of the caller's
#   scope) is shown as the console shows it: names, account, establishment and both values of the field;
# - a record outside the remit shows only what a head needs to act: the establishment (name, UAI) and base where
#   it sits, the kind of difference, the field to align and whom to contact, and only when it probably is the
#   same person. A homonym (another person) outside the remit is only counted. The other record's names,
#   account, mobile and email are compared inside DuckDB and selected as NULL: they never leave the query.
# - support (académie remit, entitled to all for helpdesk work) has every record of the académie inside its
#   remit, so it sees every finding in full, homonyms included.
# Every run writes the records it matched (responsable_id and UAI) to the audit log, whoever the caller.

MAX_CANDIDATES = 200

# difference code -> (what differs, in French; the field to align; what to do)
DIFFERENCES: dict[str, tuple[str, str, str]] = {
    "noms_inverses": ("Nom d'usage et nom de naissance inversés", "Nom d'usage et nom de naissance",
                      "Saisir le nom d'usage et le nom de naissance dans les mêmes champs sur les deux fiches."),
    "nom_naissance_en_usage": ("Nom de naissance saisi comme nom d'usage sur une des fiches", "Nom d'usage",
                               "Saisir le même nom d'usage sur les deux fiches (le nom de naissance reste dans "
                               "son propre champ)."),
    "prenoms_supplementaires": ("Prénoms supplémentaires sur une des fiches", "Prénoms",
                                "Saisir les mêmes prénoms, dans le même ordre, sur les deux fiches."),
    "nom_ecrit_autrement": ("Même téléphone portable, nom écrit autrement", "Nom",
                            "Aligner l'orthographe du nom (accents, tirets, espaces) sur les deux fiches."),
    "prenoms_ecrits_autrement": ("Même téléphone portable, prénoms écrits autrement", "Prénoms",
                                 "Aligner l'orthographe des prénoms sur les deux fiches."),
    "nom_prenoms_ecrits_autrement": ("Même téléphone portable, nom et prénoms écrits autrement", "Nom et prénoms",
                                     "Aligner le nom et les prénoms sur les deux fiches."),
    "autre_portable": ("Mêmes nom, prénoms et courriel, autre téléphone portable", "Téléphone portable",
                       "Vérifier le numéro de portable avec le responsable et saisir le même sur les deux fiches."),
    "autre_courriel": ("Mêmes nom, prénoms et téléphone portable, autre courriel", "Courriel",
                       "Vérifier l'adresse électronique avec le responsable et saisir la même sur les deux fiches."),
    "portable_absent": ("Mêmes nom et prénoms, téléphone portable absent d'une des fiches", "Téléphone portable",
                        "Vérifier avec le responsable qu'il s'agit bien de lui, puis saisir son numéro de portable "
                        "sur la fiche qui n'en a pas."),
    "deux_comptes": ("Mêmes nom, prénoms et coordonnées, mais deux comptes", "Compte",
                     "Les fiches concordent : demander à l'assistance académique de rapprocher les deux comptes."),
    "homonyme": ("Homonyme : mêmes nom et prénoms, coordonnées différentes (une autre personne)",
                 "Téléphone portable et courriel",
                 "Ne rien modifier : il s'agit d'une autre personne."),
}
_RANK = {"doublon": 0, "possible": 1, "homonyme": 2}
KIND_LABELS = {"doublon": "Doublon probable", "possible": "Doublon possible (à vérifier)", "homonyme": "Homonyme"}


@dataclass(frozen=True)
class Finding:
    kind: str  # "doublon" (probably the same person), "possible" (to check), "homonyme" (another person)
    difference: str  # a key of DIFFERENCES
    uai: str  # where the other record sits
    etablissement: str
    source: str  # ONDE | SIECLE: the base that holds the other record
    fiche_ici: str  # the account's own record it was compared with: « Collège … (UAI), SIECLE »
    valeur_ici: str  # that record's value of the field (the account's own data)
    in_remit: bool  # the caller may open the other record's account in the console
    # Only inside the remit; None otherwise (never selected out of the warehouse).
    identifiant: str | None = None
    nom: str | None = None
    valeur_la_bas: str | None = None

    @property
    def reason(self) -> str:
        return DIFFERENCES[self.difference][0]

    @property
    def champ(self) -> str:
        return DIFFERENCES[self.difference][1]

    @property
    def contact(self) -> str:
        """Whom to contact, in French: the other establishment's office, or the académie's helpdesk."""
        if self.difference == "deux_comptes":
            return "l'assistance académique (support de niveau 2)"
        if self.source == "ONDE":
            return f"la direction de l'école {self.etablissement} ({self.uai})"
        return f"le secrétariat de l'établissement {self.etablissement} ({self.uai})"

    @property
    def action(self) -> str:
        """What to do, in French: which field to align, where, and whom to contact."""
        advice = DIFFERENCES[self.difference][2]
        if self.kind == "homonyme" or self.difference == "deux_comptes":
            return advice if self.kind == "homonyme" else f"{advice} Contacter {self.contact}."
        base = self.source or "ONDE ou SIECLE"
        return (f"{advice} Vérifier avec le responsable quelle fiche est juste ; si c'est l'autre qui est à corriger, "
                f"contacter {self.contact} (correction dans {base}). Le compte est rapproché le lendemain de la "
                "correction.")


@dataclass(frozen=True)
class Diagnostic:
    identifiant: str
    findings: list[Finding]  # duplicates (anywhere) and homonyms inside the remit, most probable first
    homonymes_ailleurs: int = 0  # homonyms outside the remit: a count, nothing else

    @property
    def doublons(self) -> list[Finding]:
        return [x for x in self.findings if x.kind != "homonyme"]

    @property
    def homonymes(self) -> list[Finding]:
        return [x for x in self.findings if x.kind == "homonyme"]


def mask_mobile(m: str | None) -> str:
    """A mobile number in the diagnostic: its last two digits only, enough to tell two numbers apart."""
    digits = re.sub(r"\D", "", m or "")
    if not digits:
        return "—"
    return "•• •• •• •• " + digits[-2:] if len(digits) >= 6 else "••"


def _name(r: Mapping[str, Any], prefix: str = "") -> str:
    return f"{(r.get(prefix + 'nom_usage') or '').upper()} {r.get(prefix + 'prenoms') or ''}".strip()


def _compare(p: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, difference) from the comparison of two source records, or None when they are unrelated.

    `p` holds the booleans computed in SQL by `diagnostic` (same_mobile, swapped…), not the values. Contact data
    decide between the same person and a homonym: a shared mobile or email corroborates; different values on
    every contact field both records have contradict (another person).
    """
    corroborated = p["same_mobile"] or p["same_mail"]
    contradicted = (p["diff_mobile"] or p["diff_mail"]) and not corroborated
    identical = p["same_usage"] and p["same_birth"] and p["same_prenoms"]
    likely = "doublon" if corroborated else "possible"
    extra = p["same_first"] and p["names_overlap"] and not p["same_prenoms"] and p["prenoms_nested"]
    if p["same_first"] and p["swapped"] and not contradicted:
        return likely, "noms_inverses"
    if p["same_prenoms"] and p["birth_as_usage"] and not contradicted:
        return likely, "nom_naissance_en_usage"
    if extra and not contradicted:
        return likely, "prenoms_supplementaires"
    if p["same_mobile"] and not identical:
        nom = not (p["same_usage"] and p["same_birth"])
        pre = not p["same_prenoms"]
        return "doublon", ("nom_prenoms_ecrits_autrement" if nom and pre else
                           "nom_ecrit_autrement" if nom else "prenoms_ecrits_autrement")
    if not identical:
        return None
    if contradicted:
        return "homonyme", "homonyme"
    if p["same_mobile"]:
        return "doublon", "autre_courriel" if p["diff_mail"] else "deux_comptes"
    if p["same_mail"] and p["diff_mobile"]:
        return "doublon", "autre_portable"
    return likely, "portable_absent"  # a mobile missing on one record at least: EduConnect cannot reconcile


def _values(difference: str, r: Mapping[str, Any], prefix: str) -> str:
    """The field's value on one side (prefix "m_": the account's record, "x_": the other record, in remit)."""
    g = lambda k: r.get(prefix + k) or ""  # noqa: E731
    if difference in ("noms_inverses", "nom_naissance_en_usage"):
        return f"{g('nom_usage')} / {g('nom_naissance')}"
    if difference in ("prenoms_supplementaires",):
        return g("prenoms")
    if difference in ("autre_portable", "portable_absent"):
        return mask_mobile(g("telephone_portable"))
    if difference == "autre_courriel":
        return g("courriel") or "—"
    if difference == "deux_comptes":
        return g("identifiant")
    if difference == "homonyme":  # (inside the remit only) the contact data that tell the two people apart
        return f"{mask_mobile(g('telephone_portable'))} · {g('courriel') or '—'}"
    return _name(r, prefix)


_FLAGS = """
    coalesce(m.k_mobile = x.k_mobile, false) AS same_mobile,
    coalesce(m.k_courriel = x.k_courriel, false) AS same_mail,
    coalesce(m.k_mobile <> x.k_mobile, false) AS diff_mobile,
    coalesce(m.k_courriel <> x.k_courriel, false) AS diff_mail,
    m.k_prenom1 = x.k_prenom1 AS same_first,
    m.k_nom_usage = x.k_nom_usage AS same_usage,
    m.k_nom_naissance = x.k_nom_naissance AS same_birth,
    m.k_prenoms = x.k_prenoms AS same_prenoms,
    (m.k_nom_usage <> m.k_nom_naissance AND m.k_nom_usage = x.k_nom_naissance
     AND m.k_nom_naissance = x.k_nom_usage) AS swapped,
    ((x.k_nom_usage = x.k_nom_naissance AND x.k_nom_usage = m.k_nom_naissance AND m.k_nom_usage <> m.k_nom_naissance)
     OR (m.k_nom_usage = m.k_nom_naissance AND m.k_nom_usage = x.k_nom_naissance
         AND x.k_nom_usage <> x.k_nom_naissance)) AS birth_as_usage,
    len(list_intersect(list_filter([m.k_nom_usage, m.k_nom_naissance], lambda n: n <> ''),
                       [x.k_nom_usage, x.k_nom_naissance])) > 0 AS names_overlap,
    (list_has_all(list_filter(string_split(m.k_prenoms, ' '), lambda w: w <> ''),
                  list_filter(string_split(x.k_prenoms, ' '), lambda w: w <> ''))
     OR list_has_all(list_filter(string_split(x.k_prenoms, ' '), lambda w: w <> ''),
                     list_filter(string_split(m.k_prenoms, ' '), lambda w: w <> ''))) AS prenoms_nested"""
# The other record's personal columns: selected only when its account is inside the caller's remit.
_OTHER = ("identifiant", "nom_usage", "nom_naissance", "prenoms", "telephone_portable", "courriel")


def diagnostic(settings: Settings, principal: Principal, identifiant: str) -> Diagnostic:
    """Source records, elsewhere and on another account, that probably belong to this account's person.

    Filtered by the caller's remit in the query itself (see the section's comment); audited with the records
    matched.
    """
    authz.require(principal, Action.CONSOLE)
    pred, sp = scope_sql(principal, "c")
    with warehouse.connect(settings) as con:
        _check_account(con, principal, identifiant)
    refuse_export_only(settings, principal, [identifiant], "diagnostic")
    with warehouse.connect(settings) as con:
        mine = con.execute(
            "SELECT k_nom_usage, k_nom_naissance, k_prenom1, k_mobile FROM console_resp WHERE identifiant = ?",
            [identifiant],
        ).fetchall()
        names = sorted({x for r in mine for x in (r[0], r[1]) if x})
        firsts = sorted({r[2] for r in mine if r[2]})
        mobiles = sorted({r[3] for r in mine if r[3]})
        other = ", ".join(f"CASE WHEN r.identifiant IS NOT NULL THEN x.{c} END AS x_{c}" for c in _OTHER)
        rows = _fetch_dicts(
            con,
            f"""WITH cand AS (
                    SELECT * FROM console_resp
                    WHERE identifiant <> ?
                      AND ((list_contains(?, k_prenom1) AND (list_contains(?, k_nom_usage)
                                                              OR list_contains(?, k_nom_naissance)))
                           OR list_contains(?, k_mobile))
                    ORDER BY uai, responsable_id LIMIT ?),
                remit AS (
                    SELECT DISTINCT c.identifiant FROM console_row c
                    WHERE c.identifiant IN (SELECT identifiant FROM cand) AND {pred}),
                mine AS (SELECT * FROM console_resp WHERE identifiant = ?)
                SELECT m.responsable_id AS m_rid, m.source AS m_source, m.uai AS m_uai, m.etab_nom AS m_etab,
                       m.nom_usage AS m_nom_usage, m.nom_naissance AS m_nom_naissance, m.prenoms AS m_prenoms,
                       m.telephone_portable AS m_telephone_portable, m.courriel AS m_courriel,
                       ? AS m_identifiant,
                       x.responsable_id AS rid, x.uai, x.etab_nom, x.source,
                       r.identifiant IS NOT NULL AS in_remit, {other}, {_FLAGS}
                FROM mine m CROSS JOIN cand x LEFT JOIN remit r ON r.identifiant = x.identifiant
                ORDER BY x.uai, x.responsable_id, m.source DESC, m.uai, m.responsable_id""",  # noqa: S608 (constant fragments)
            [identifiant, firsts, names, names, mobiles, MAX_CANDIDATES, *sp, identifiant, identifiant],
        )
    best: dict[str, tuple[tuple[str, str], dict[str, Any]]] = {}
    for r in rows:
        verdict = _compare(r)
        if verdict is None:
            continue
        held = best.get(r["rid"])
        if held is None or _RANK[verdict[0]] < _RANK[held[0][0]]:
            best[r["rid"]] = (verdict, r)
    findings: list[Finding] = []
    hors = 0
    for (kind, difference), r in best.values():
        if kind == "homonyme" and not r["in_remit"]:
            hors += 1  # another person outside the remit: counted, nothing else
            continue
        inside = bool(r["in_remit"])
        findings.append(Finding(
            kind, difference, r["uai"] or "", r["etab_nom"] or "", r["source"] or "",
            f"{r['m_etab'] or ''} ({r['m_uai'] or ''}), {r['m_source'] or ''}", _values(difference, r, "m_"), inside,
            identifiant=r["x_identifiant"] if inside else None,
            nom=_name(r, "x_") if inside else None,
            valeur_la_bas=_values(difference, r, "x_") if inside else None,
        ))
    findings.sort(key=lambda x: (_RANK[x.kind], not x.in_remit, x.uai, x.identifiant or ""))
    _audit_diagnostic(settings, principal, identifiant, best)
    return Diagnostic(identifiant, findings, hors)


def _audit_diagnostic(settings: Settings, principal: Principal, identifiant: str,
                      best: Mapping[str, tuple[tuple[str, str], Mapping[str, Any]]]) -> None:
    """One audit row per run: the account, then every record matched — shown or only counted — as
    « responsable_id@UAI ». The detail holds counts only: a head reads its own rows in the Journal, which shows
    the detail as it is and masks the targets outside the head's scope (these never match a scope)."""
    kinds: dict[str, int] = {}
    for (kind, _), _r in best.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    matched = [f"{rid}@{r['uai'] or ''}" for rid, (_, r) in sorted(best.items())]
    hors = sum(1 for _, r in best.values() if not r["in_remit"])
    audit.record(settings, principal, "diagnostic", targets=[identifiant, *matched],
                 detail={"fiches": len(best), **kinds, "hors_perimetre": hors})


# ---------------------------------------------------------------------------------------------------------
# Recipients of a notification


@dataclass(frozen=True)
class Recipient:
    identifiant: str
    civilite: str
    nom: str
    prenoms: str
    courriel: str
    etat: str
    enfants: tuple[str, ...]  # pupils of the scope, "Prénom NOM (classe)"
    etablissement: str
    date_notification: date | None = None  # live (overlay applied), for the confirmation of an action
    date_derniere_connexion: date | None = None


def recipients(settings: Settings, principal: Principal, identifiants: Sequence[str]) -> list[Recipient]:
    """Who gets a letter or an email: the accounts of the list that are in scope, with their live email."""
    ids = accounts_in_scope(settings, principal, identifiants)
    if not ids:
        return []
    snap = latest_snapshot(settings)
    base, bp = _base(settings, snap)
    pred, sp = scope_sql(principal)
    # Civility and the record's email come from the source records (console_resp), SIECLE's before ONDE's.
    sql = f"""SELECT c.identifiant, any_value(r.civilite ORDER BY r.source DESC) AS civilite,
                     any_value(c.nom_usage ORDER BY r.source DESC) AS nom,
                     any_value(c.prenoms ORDER BY r.source DESC) AS prenoms,
                     coalesce(any_value(c.compte_courriel), any_value(r.courriel)) AS courriel,
                     any_value(c.etat) AS etat, any_value(c.etab_nom ORDER BY c.uai) AS etab,
                     any_value(c.date_notification) AS date_notification,
                     any_value(c.date_derniere_connexion) AS date_derniere_connexion,
                     list(DISTINCT c.eleve_prenom || ' ' || upper(c.eleve_nom) || ' (' || coalesce(c.classe, '') || ')'
                          ORDER BY c.eleve_prenom || ' ' || upper(c.eleve_nom) || ' (' || coalesce(c.classe, '') || ')')
                          AS enfants
              FROM {base} LEFT JOIN console_resp r ON r.responsable_id = c.responsable_id
              WHERE list_contains(?, c.identifiant) AND {pred}
              GROUP BY c.identifiant ORDER BY c.identifiant"""  # noqa: S608
    with warehouse.connect(settings) as con:
        rows = _fetch_dicts(con, sql, [*bp, ids, *sp])
    return [
        Recipient(r["identifiant"], r["civilite"] or "", (r["nom"] or "").upper(), r["prenoms"] or "",
                  r["courriel"] or "", r["etat"] or "", tuple(r["enfants"] or ()), r["etab"] or "",
                  r["date_notification"], r["date_derniere_connexion"])
        for r in rows
    ]


def with_query(f: Filters, q: str) -> Filters:
    return replace(f, q=q if isinstance(q, str) else "")


# ---------------------------------------------------------------------------------------------------------
# Data quality (page « Qualité des données »): aggregates only, so every statistics role may read them.




def quality_by_group(settings: Settings, principal: Principal, limit: int = 300) -> tuple[str, list[dict[str, Any]]]:
    """Guardian source records without mobile / without email, per class (one establishment) or per establishment.

    Counts are of distinct source records (what the head corrects in ONDE/SIECLE), from the record itself,
    not from the account. Returns the grouping ("classe" or "etablissement") and the rows, worst first.
    """
    authz.require(principal, Action.STATS)
    scope = principal.scope
    assert scope is not None
    pred, params = scope_sql(principal)
    by_class = scope.uai is not None
    key = "c.classe" if by_class else "c.uai"
    label = "any_value(c.classe)" if by_class else "any_value(c.etab_nom)"
    sql = f"""SELECT {key} AS code, {label} AS libelle,
                     count(DISTINCT c.responsable_id) AS fiches,
                     count(DISTINCT c.responsable_id) FILTER (WHERE NOT c.resp_has_mobile) AS sans_portable,
                     count(DISTINCT c.responsable_id) FILTER (WHERE NOT c.resp_has_email) AS sans_courriel
              FROM console_row c WHERE {pred}
              GROUP BY {key}
              ORDER BY (sans_portable + sans_courriel) * 1.0 / greatest(fiches, 1) DESC, code LIMIT ?"""  # noqa: S608
    with warehouse.connect(settings) as con:
        rows = _fetch_dicts(con, sql, [*params, limit])
    return ("classe" if by_class else "etablissement"), rows


def quality_totals(settings: Settings, principal: Principal) -> dict[str, int]:
    authz.require(principal, Action.STATS)
    pred, params = scope_sql(principal)
    sql = f"""SELECT count(DISTINCT c.responsable_id),
                     count(DISTINCT c.responsable_id) FILTER (WHERE NOT c.resp_has_mobile),
                     count(DISTINCT c.responsable_id) FILTER (WHERE NOT c.resp_has_email),
                     count(DISTINCT c.responsable_id) FILTER (WHERE NOT c.resp_has_mobile AND NOT c.resp_has_email)
              FROM console_row c WHERE {pred}"""  # noqa: S608
    with warehouse.connect(settings) as con:
        n, m, e, both = con.execute(sql, params).fetchone()
    return {"fiches": n, "sans_portable": m, "sans_courriel": e, "sans_les_deux": both}


def quarantine_sees_values(principal: Principal) -> bool:
    """Whether the principal may read quarantined lines (their values are personal data): the roles entitled to
    personal data in their scope — support (académie), chef and delegue (their establishment). Pilote and IEN
    get counts only (docs/DOMAINE.md, « Qui voit quoi »)."""
    return authz.allowed(principal, Action.CONSOLE)


def _quarantine_source(con: Any) -> str:
    """The quarantine table, or — in a warehouse published before reason codes, until its next ingestion migrates
    it — a view of it whose reasons (which embed values) are replaced by the « autre » code and whose lines belong
    to no establishment (so only the académie level sees them)."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'quarantine' AND NOT internal").fetchall()}
    if "uais" in have:
        return "quarantine"
    return ("(SELECT * EXCLUDE (reason, file), 'autre' AS reason_code, CAST(NULL AS VARCHAR) AS reason, "
            "CAST(NULL AS VARCHAR) AS file, CAST(NULL AS VARCHAR[]) AS uais FROM quarantine)")


def quarantine_of_last_ingestion(settings: Settings, principal: Principal, limit: int = 500) -> dict[str, Any]:
    """Lines set aside by the last ingestion of the full feed, in the principal's remit (SQL).

    Each quarantined line carries the establishments it belongs to (`uais`, written by the ingestion:
    queries.warehouse.ingest.attribute_quarantine). The principal sees the lines of the establishments of its scope at that
    date; an académie-level principal also sees the lines that belong to no known establishment (an unreadable
    UAI, an account linked to nobody). Every statistics role gets counts per table, column and reason: reason
    labels carry no value. The lines themselves (line number, value) go only to quarantine_sees_values()
    principals; `detail` tells whether they were returned. File names are relative to the snapshot folder.
    """
    authz.require(principal, Action.STATS)
    scope = principal.scope
    assert scope is not None
    detail = quarantine_sees_values(principal)
    with warehouse.connect(settings) as con:
        last, d = con.execute(
            "SELECT max(ingested_at), arg_max(date, ingested_at) FROM quarantine WHERE cov = 'full'").fetchone()
        if last is None:
            return {"date": None, "resume": [], "lignes": [], "detail": detail, "total": 0}
        spred, sargs = scope.etab_predicate("e")
        orphans = "OR NOT coalesce(list_has_any(q.uais, m.known), false)" if scope.level is Level.ACADEMIE else ""
        mine = f"""WITH m AS (SELECT list(e.uai) FILTER (WHERE coalesce({spred}, false)) AS mine, list(e.uai) AS known
                              FROM etab_at('full', ?) e)
                   SELECT q.* FROM {_quarantine_source(con)} q, m
                   WHERE q.cov = 'full' AND q.ingested_at = ?
                     AND (coalesce(list_has_any(q.uais, m.mine), false) {orphans})"""  # noqa: S608 - fixed fragments
        params = [*sargs, d, last]
        resume = _fetch_dicts(
            con,
            f"""SELECT table_name, column_name, reason_code, any_value(reason) AS reason, count(*) AS n
                FROM ({mine}) GROUP BY table_name, column_name, reason_code
                ORDER BY n DESC, table_name, column_name, reason_code""",  # noqa: S608
            params,
        )
        lignes = _fetch_dicts(
            con,
            f"""SELECT date, table_name, file, line, column_name, value, reason_code, reason FROM ({mine})
                ORDER BY table_name, line, column_name LIMIT ?""",  # noqa: S608
            [*params, limit],
        ) if detail else []
    for r in (*resume, *lignes):
        r["reason"] = r["reason"] or vocab.quarantine_reason_label(r["reason_code"])
    return {"date": last, "resume": resume, "lignes": lignes, "detail": detail, "total": sum(r["n"] for r in resume)}


def uais_in_scope(settings: Settings, principal: Principal, uais: Iterable[Any]) -> set[str]:
    """Which of these establishment codes lie in the principal's scope (Journal display of « record@UAI »)."""
    vals = sorted({u for u in uais if isinstance(u, str) and valid_uai(u)})[:20_000]
    if not vals or principal.scope is None:
        return set()
    pred, params = principal.scope.etab_predicate("e")
    sql = f"SELECT DISTINCT e.uai FROM etab_h e WHERE list_contains(?, e.uai) AND {pred}"  # noqa: S608
    with warehouse.connect(settings) as con:
        return {r[0] for r in con.execute(sql, [vals, *params]).fetchall()}


def ids_in_scope(settings: Settings, principal: Principal, values: Iterable[Any]) -> set[str]:
    """Which of these account ids, INE or source record ids belong to the principal's scope (Journal display)."""
    vals = sorted({v for v in values if isinstance(v, str) and 0 < len(v) <= 100})[:20_000]
    if not vals or principal.scope is None:
        return set()
    pred, params = scope_sql(principal)
    sql = f"""SELECT DISTINCT x FROM (
                  SELECT unnest([c.identifiant, c.ine, c.responsable_id]) AS x FROM console_all c WHERE {pred}
                    AND (list_contains(?, c.identifiant) OR list_contains(?, c.ine) OR list_contains(?, c.responsable_id)))
              WHERE list_contains(?, x)"""  # noqa: S608
    with warehouse.connect(settings) as con:
        return {r[0] for r in con.execute(sql, [*params, vals, vals, vals, vals]).fetchall()}
