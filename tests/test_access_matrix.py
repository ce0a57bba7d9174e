"""Role × page × callback × export matrix, generated from the application itself, against a canary world.

- World: tests/canary.py — the mini snapshots plus homonyms and probable duplicates across establishments (one in
  another académie), a formula-looking name, quarantined lines of other establishments, and Journal rows of other
  establishments (a diagnostic among them). Ingested through the real pipeline, once per module.
- Callbacks: read from `/_dash-dependencies` (the app's own callback map), so a callback added later is
  covered without anyone touching this file. For each role, each callback and each forged value (another UAI,
  another class, circonscription, académie, pupil INE, account, responsable record, another establishment's grid
  row id, delegation id), a `/_dash-update-component` payload puts the value into every input and state
  (pattern-matching ids and ag-grid `getRowsRequest` included). Control values of the role's own remit (its
  login, scope, one of its UAIs, one of its grid rows) are sent the same way.
- Every answer is judged: never a 5xx, never a canary (out-of-remit personal data, other establishments' names,
  quarantined values and Journal rows), and, per callback × role, evidence that the forged requests reached the
  check (see `Evidence`). « Je ne vois pas tous mes enfants » may name another establishment (name, UAI), the
  difference and whom to contact, in exactly those cells of its out-of-remit table (`_diagnostic_allowance`).
- Pages: which pages each role may open, through the shell's router callback and its menu; their content is
  judged like a callback's answer (Qualité shows quarantined lines).
- Exports: every Flask route under /export or /api, enumerated from the url_map, with forged parameters.
- Secrets: every answer of the matrix is also searched for the test accounts' passwords and hashes, the
  SECRET_KEY, other users' session ids and export tokens, and Python tracebacks.
- Unauthenticated: every callback and every export answers 401.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import canary
import pytest
import sqlalchemy as sa
from auth_kit import (
    PASSWORD,
    add_user,
    fast_argon2,  # noqa: F401 - autouse fixture
    logged_client,
    make_app,
    router_body,
    text,
)
from forge_kit import CLICK_PROPS, build_payloads

from queries import store
from queries.core.scope import Level, Principal, Scope
from queries.core.settings import Settings
from queries.store import audit, users

LEVEL_COL = {"academie": "academie_code", "departement": "departement_code", "circonscription": "circonscription_code",
             "etablissement": "uai"}
# The shell router's refusal (dashboard/app.py); pages may show "Accès refusé" elsewhere (Journal filters).
ROUTER_DENIED = "Cette page ne fait pas partie de vos droits"
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
DIAG_OUT = "resp-d-diag-out"  # dashboard/pages/responsables/ids.py Ids.D_DIAG_OUT
DIAG_OUTSIDE = "Fiches probablement du même responsable dans d'autres établissements"


# ------------------------------------------------------------------ who


@dataclass(frozen=True)
class Who:
    name: str
    role: str
    scope: str | None
    console: bool  # may see personal data of its scope


def _warehouse_facts(s: Settings) -> dict:
    """Establishments, pupils, guardian records and accounts over every ingested date (raw history tables), and
    the console's grid rows (opaque row ids) at the latest date."""
    from queries import warehouse

    with warehouse.connect(s) as con:
        etabs = con.execute(
            "SELECT DISTINCT uai, nom, degre, circonscription_code, departement_code, academie_code FROM etab_h ORDER BY uai"
        ).fetchall()
        pupils = con.execute("SELECT DISTINCT ine, nom, prenom, uai, classe FROM eleve_h ORDER BY ine").fetchall()
        records = con.execute(
            """SELECT DISTINCT r.responsable_id, r.uai, r.nom_usage, r.prenoms, r.telephone_portable, r.courriel,
                      r.identifiant, e.uai AS pupil_uai
               FROM resp_h r LEFT JOIN lien_h l USING (responsable_id) LEFT JOIN eleve_h e USING (ine)
               ORDER BY r.responsable_id, pupil_uai"""
        ).fetchall()
        accounts = con.execute("SELECT DISTINCT identifiant, courriel, telephone_portable FROM compte_h").fetchall()
        rows = con.execute("SELECT DISTINCT rid, uai, identifiant FROM console_row ORDER BY uai, identifiant, rid").fetchall()
        names = con.execute("SELECT DISTINCT circonscription_nom, academie_nom FROM etab_h").fetchall()
        links = con.execute("SELECT DISTINCT responsable_id, ine FROM lien_h").fetchall()
    return {"etabs": etabs, "pupils": pupils, "records": records, "accounts": accounts, "rows": rows, "names": names,
            "links": links}


def _phone_variants(p: str | None) -> list[str]:
    if not p or not re.fullmatch(r"0\d{9}", p):
        return [p] if p else []
    return [p, " ".join(p[i:i + 2] for i in range(0, 10, 2)), f"{p[:4]} {p[4:6]} {p[6:8]} {p[8:]}"]


def _in_scope_uais(facts: dict, scope: str | None) -> set[str]:
    if scope is None:
        return set()
    sc = Scope.parse(scope)
    idx = {"uai": 0, "circonscription_code": 3, "departement_code": 4, "academie_code": 5}[LEVEL_COL[sc.level.value]]
    return {e[0] for e in facts["etabs"] if e[idx] == sc.code}


def _accounts_in(facts: dict, inside: set[str]) -> set[str]:
    """Accounts the console opens: those of a record of the remit or linked to a pupil of it."""
    return {r[6] for r in facts["records"] if r[6] and (r[1] in inside or r[7] in inside)}


def _personal(facts: dict, inside: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(personal data of the remit, personal data outside it, establishments shown through the remit's accounts).

    The remit's accounts come with their own records and children elsewhere (README, « Droits et sécurité »: a
    head sees, for its guardians, their records and their children in other establishments)."""
    acc = _accounts_in(facts, inside)
    recs = {r[0] for r in facts["records"] if r[6] in acc}
    linked = {ine for rid, ine in facts["links"] if rid in recs}
    via = {r[1] for r in facts["records"] if r[0] in recs} | {p[3] for p in facts["pupils"] if p[0] in linked}
    ins: set[str] = set()
    out: set[str] = set()
    for ine, nom, prenom, uai, _classe in facts["pupils"]:
        (ins if uai in inside or ine in linked else out).update({ine, f"{nom} {prenom}", f"{prenom} {nom}"})
    for rid, uai, nom, prenoms, tel, mail, ident, pupil_uai in facts["records"]:
        bucket = ins if (uai in inside or pupil_uai in inside or rid in recs) else out
        bucket.update({f"{nom} {prenoms}", mail or "", ident or "", *(_phone_variants(tel))})
        if len(rid) >= 6:
            bucket.add(rid)
    for ident, mail, tel in facts["accounts"]:
        (ins if ident in acc else out).update({ident, mail or "", *(_phone_variants(tel))})
    for rid, uai, _ident in facts["rows"]:  # a grid row id of another establishment is that row
        (ins if uai in inside else out).add(rid)
    return ins, out, via


def canaries(facts: dict, who: Who) -> set[str]:
    inside = _in_scope_uais(facts, who.scope)
    ins, out, via = _personal(facts, inside)
    personal = (out | ins) if not who.console else (out - ins)
    # Names of establishments outside the remit (for an académie-level principal: the other académie's), but
    # those where the remit's guardians have records or children, which the console shows.
    seen = inside | (via if who.console else set())
    names = {e[1] for e in facts["etabs"] if e[0] not in seen} if who.scope else set()
    # Quarantined values: personal data, read only by console roles and only in their remit (Qualité).
    quarantined = {v for v, uai in canary.QUARANTINED.items() if not (who.console and uai in inside)}
    # Journal rows of other establishments: a head reads its own establishment's, support every data event.
    journal = {m for m, uai in canary.JOURNAL_MARKERS.items()
               if not (who.role == "support" or (who.role == "chef" and uai in inside))}
    return {c for c in personal | names | quarantined | journal if c and len(c) >= 5}


def expected_items(facts: dict, who: Who, login: str) -> set[str]:
    """What a correct answer in the remit shows (at least one of them, when the callback shows data at all)."""
    inside = _in_scope_uais(facts, who.scope)
    items = {e[1] for e in facts["etabs"] if e[0] in inside}
    if who.scope and Scope.parse(who.scope).level is not Level.ETABLISSEMENT:
        items |= {n for pair in facts["names"] for n in pair if n}
    if who.console:
        ins, _, _ = _personal(facts, inside)
        items |= ins | {p[4] for p in facts["pupils"] if p[3] in inside and p[4] and len(p[4]) >= 4}
    if who.role in ("chef", "support", "admin"):  # Journal readers: their own events
        items.add(login)
    if who.role == "admin":  # staff accounts (Administration)
        items |= {f"mx.{w.name}" for w in WHO}
    return {i for i in items if i and len(i) >= 4}


# Whose grid row the console roles open as a control: an account with duplicates and homonyms elsewhere, so that
# « Je ne vois pas tous mes enfants » runs on the canaries.
CONTROL_ACCOUNT = {"chef_college": "h.dupont", "chef_ecole": "a.dupont", "delegue": "canari.hdup.lyc",
                   "support": "h.dupont"}


def _outside_order(facts: dict, inside: set[str]) -> list[tuple]:
    """Other establishments, the canary ones first (another académie, the lycée), at most three."""
    first = [canary.OTHER_ACA_UAI, canary.LYCEE_UAI, canary.COLLEGE_UAI, canary.ECOLE_UAI]
    etabs = sorted((e for e in facts["etabs"] if e[0] not in inside),
                   key=lambda e: (first.index(e[0]) if e[0] in first else len(first), e[0]))
    return etabs[:3]


def forged_values(facts: dict, who: Who, delegation_ids: list[int]) -> list:
    inside = _in_scope_uais(facts, who.scope)
    vals: list = []
    for e in _outside_order(facts, inside):
        uai = e[0]
        vals += [uai, f"etablissement:{uai}"]
        p = next((p for p in facts["pupils"] if p[3] == uai), None)
        if p:
            vals += [p[0], p[4], f"classe:{uai}:{p[4]}"]
        r = next((r for r in facts["records"] if r[1] == uai and r[6]), None)
        if r:
            vals += [r[6], r[0]]
        row = next((x for x in facts["rows"] if x[1] == uai), None)
        if row:
            vals.append(row[0])
        if e[3]:
            vals.append(f"circonscription:{e[3]}")
    if who.scope and Scope.parse(who.scope).level is not Level.ACADEMIE:
        e = next(e for e in facts["etabs"] if e[0] in inside)
        vals += [f"academie:{e[5]}", f"departement:{e[4]}"]  # wider than the principal's own scope
        if e[3] and Scope.parse(who.scope).level is Level.ETABLISSEMENT:
            vals.append(f"circonscription:{e[3]}")
    vals += ["academie:99", "departement:976", "circonscription:974-NORD"]
    if not who.console:  # no personal data at all, even in scope
        p = next((p for p in facts["pupils"] if p[3] in inside), None) or facts["pupils"][0]
        r = next((r for r in facts["records"] if r[1] in inside and r[6]), None) or facts["records"][0]
        row = next((x for x in facts["rows"] if x[1] in inside), None) or facts["rows"][0]
        vals += [p[0], r[6], r[0], row[0]]
    vals += delegation_ids
    seen, out = set(), []
    for v in vals:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def control_values(facts: dict, who: Who) -> list:
    """Values of the role's own remit: what a legitimate user sends. Their answers show the callback at work."""
    if who.scope is None:
        # The admin's: another staff login (the Journal filter shows its account events; the Administration
        # form acts on it). Never its own: a forged « reset password » on itself would end the session.
        return ["mx.chef_lycee"] if who.role == "admin" else []
    inside = sorted(_in_scope_uais(facts, who.scope))
    own_uai = canary.COLLEGE_UAI if canary.COLLEGE_UAI in inside else inside[0]
    vals: list = [f"mx.{who.name}", who.scope, own_uai]
    if who.console:
        vals += [x[0] for x in facts["rows"] if x[2] == CONTROL_ACCOUNT[who.name] and x[1] in inside][:1]
    return vals


# ------------------------------------------------------------------ forging payloads










def _body(r) -> str:  # noqa: ANN001
    ctype = r.headers.get("Content-Type", "")
    if "pdf" in ctype:
        from pypdf import PdfReader

        try:
            return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(r.get_data())).pages)
        except Exception:  # noqa: BLE001 - a broken PDF holds nothing readable either
            return ""
    return text(r)


def _texts(node) -> list[str]:  # noqa: ANN001
    """Every string of a Dash component tree (as serialised in a callback answer)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for x in node for t in _texts(x)]
    if isinstance(node, dict):
        return _texts(node.get("props", {}).get("children")) if "props" in node else [
            t for x in node.values() for t in _texts(x)]
    return []


def _tables(node, caption: str) -> list[list[list[str]]]:  # noqa: ANN001
    """Body rows (cells as text) of the html.Table(s) captioned `caption` in a component tree."""
    found: list[list[list[str]]] = []
    if isinstance(node, list):
        for x in node:
            found += _tables(x, caption)
    elif isinstance(node, dict) and "props" in node:
        kids = node["props"].get("children")
        kids_l = kids if isinstance(kids, list) else [kids]
        if node.get("type") == "Table" and any(
                isinstance(k, dict) and k.get("type") == "Caption" and _texts(k) == [caption] for k in kids_l):
            body = next(k for k in kids_l if isinstance(k, dict) and k.get("type") == "Tbody")
            trs = body["props"].get("children") or []
            found.append([["".join(_texts(td)) for td in (tr["props"].get("children") or [])] for tr in trs])
        else:
            found += _tables(kids, caption)
    elif isinstance(node, dict):
        for x in node.values():
            found += _tables(x, caption)
    return found


def _diagnostic_allowance(raw: str, facts: dict) -> tuple[list[str], int]:
    """The one legitimate exception (README, « Console, données hors périmètre »): in the diagnostic's table of
    records outside the remit, the cells « Autre fiche : établissement » (« NAME (UAI) ») and « Que faire » (the
    advice, naming whom to contact there) may name another establishment. Returns those cells' texts, to be cut
    out of the body before the establishment-name check, and the number of out-of-remit rows. Everything else of
    the answer — those rows' other cells included — is judged as usual."""
    try:
        resp = json.loads(raw).get("response", {})
    except ValueError:
        return [], 0
    diag = resp.get(DIAG_OUT)
    if not diag:
        return [], 0
    known = {f"{e[1]} ({e[0]})" for e in facts["etabs"]}
    cells: list[str] = []
    n = 0
    for table in _tables(diag.get("children"), DIAG_OUTSIDE):
        for row in table:
            assert len(row) == 8, row
            etab, advice = row[5], row[7]
            assert etab in known, f"diagnostic : « {etab} » n'est pas « établissement (UAI) »"
            # The advice names at most that same establishment (whom to contact) or the académie's helpdesk.
            assert not (set(re.findall(r"\(([0-9]{7}[A-Z])\)", advice)) - {etab[-9:-1]}), advice
            cells += [etab, advice]
            n += 1
    return cells, n


def _leaks(body: str, cans: set[str], forged: object = None, allowed_cells: list[str] | None = None,
           names: set[str] | None = None) -> list[str]:
    """Canaries found in the body; the forged value itself may be echoed (a search box, a URL), that is no leak.
    Establishment names (`names`) are looked for in the body without the diagnostic's allowed cells."""
    low = body.casefold()
    cut = low
    for cell in allowed_cells or []:
        cut = cut.replace(cell.casefold(), "")
    echo = str(forged).casefold() if forged is not None else None
    return sorted(c for c in cans if c.casefold() != echo
                  and c.casefold() in (cut if names and c in names else low))


# ------------------------------------------------------------------ recording every answer


@dataclass
class Sent:
    login: str | None
    what: str
    status: int
    body: str


@dataclass
class Evidence:
    """Per callback × role, what the forged requests showed.

    - refused: answered 403, and the central handler wrote its `forbidden`/denied audit row for that very request
      (or 400/404/422 from the malformed-request guard, with its `bad_request` row);
    - audited: answered 200 (a message), and a denied or failed audit row of the caller was written by that request;
    - in_scope: answered 200 with no canary and at least one item of the caller's remit (`expected_items`);
    - silent: 200 with neither (a forged filter that matches nothing, say): not evidence;
    - no_update: 204 (PreventUpdate / every output no_update): not evidence either, see NO_UPDATE_OK.
    A pair needs refused, audited or in_scope, else it fails: building the payloads is no proof.
    One exception, `constant`: a callback whose inputs and states are all click counters (closing a panel) takes no
    value to forge; its answer must then be the same whatever was sent, with no data (the roles without the right
    get their 403 like anywhere else).
    """

    kinds: Counter = field(default_factory=Counter)
    answers: set[str] = field(default_factory=set)  # 200 bodies, for the `constant` case

    def ok(self, dep: dict) -> bool:
        if any(self.kinds[k] for k in ("refused", "audited", "in_scope")):
            return True
        valueless = all(d["property"] in CLICK_PROPS for d in [*dep["inputs"], *dep.get("state", [])])
        return valueless and self.kinds["silent"] > 0 and len(self.answers) == 1


# ------------------------------------------------------------------ fixtures


WHO = [
    Who("pilote", "pilote", "academie:28", False),
    Who("ien", "ien", "circonscription:974-SUD", False),
    Who("chef_college", "chef", f"etablissement:{canary.COLLEGE_UAI}", True),
    Who("chef_ecole", "chef", f"etablissement:{canary.ECOLE_UAI}", True),
    Who("delegue", "delegue", f"etablissement:{canary.LYCEE_UAI}", True),  # through a delegation from the lycée's head
    Who("delegue_sans_delegation", "delegue", None, False),
    Who("support", "support", "academie:28", True),
    Who("admin", "admin", None, False),
]

EXPECTED_PAGES = {
    "/": {w.name for w in WHO},
    "/statistiques": {"pilote", "ien", "chef_college", "chef_ecole", "delegue", "support"},
    "/qualite": {"pilote", "ien", "chef_college", "chef_ecole", "delegue", "support"},
    "/responsables": {"chef_college", "chef_ecole", "delegue", "support"},
    "/journal": {"chef_college", "chef_ecole", "support", "admin"},
    "/delegations": {"chef_college", "chef_ecole"},
    "/admin": {"admin"},
    "/courriels": set(),  # the demo mail sink is off here: closed to every role (tests/test_mail_sink.py)
}
# Whatever pages are added later, these principals may only ever open these.
NO_DATA_PAGES = {"admin": {"/", "/admin", "/journal"}, "delegue_sans_delegation": {"/"}}


@dataclass
class World:
    settings: Settings
    app: object
    facts: dict
    who: dict[str, Who]
    deps: list[dict] = field(default_factory=list)
    delegation_ids: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # secret -> what it is
    own_secrets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # login -> its own
    last_audit_id: int = 0

    def send(self, c, login: str | None, what: str, method: str, url: str, **kw):  # noqa: ANN001, ANN201
        """Every request of the matrix goes through here: never a 5xx, and its answer is kept for the secrets check."""
        r = getattr(c, method)(url, **kw)
        body = _body(r)
        assert r.status_code < 500, f"{login} : {what} → {r.status_code}\n{body[:2000]}"
        self.sent.append(Sent(login, what, r.status_code, body))
        for token in re.findall(r"[?&]t=([A-Za-z0-9_-]{20,40})", body):  # an export link is its user's own
            self.own_secrets[login or ""].add(token)
        return r

    def new_audit_rows(self) -> list:
        with store.engine(self.settings).connect() as con:
            rows = con.execute(sa.select(audit.audit_log).where(audit.audit_log.c.id > self.last_audit_id)
                               .order_by(audit.audit_log.c.id)).all()
        if rows:
            self.last_audit_id = rows[-1].id
        return rows


@pytest.fixture(scope="module")
def _canary_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canary world ingested once per module (and per xdist worker); tests get a private copy."""
    root = tmp_path_factory.mktemp("canary")
    canary.build_warehouse(root)
    return root / "warehouse"


def _search_body(deps: list[dict]) -> dict:
    """The console search with no filter, as the « Rechercher » button sends it."""
    dep = next(d for d in deps if d["output"].startswith("..resp-grid-wrap.children..."))
    parts = dep["output"][2:-2].split("...")
    return {"output": dep["output"], "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts],
            "inputs": [{"id": d["id"], "property": d["property"],
                        "value": 1 if d["property"] in CLICK_PROPS else ([] if d["property"] == "value" and d["id"].endswith("s") else None)}
                       for d in dep["inputs"]],
            "state": [], "changedPropIds": [next(f"{d['id']}.{d['property']}" for d in dep["inputs"] if d["property"] in CLICK_PROPS)]}


@pytest.fixture
def world(_canary_warehouse: Path, tmp_path: Path) -> World:
    wh = tmp_path / "warehouse"
    shutil.copytree(_canary_warehouse, wh, symlinks=True)
    # Many forged exports per role: lift the rate limits so that every one of them reaches its route.
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path / "var"), "METEOCOMPTES_WAREHOUSE": str(wh)},
                          EXPORT_RATE_LIMIT=1_000_000, NOTIFY_RATE_LIMIT=1_000_000)
    facts = _warehouse_facts(s)
    app = make_app(s)
    canary.write_journal(s)
    who = {}
    for w in WHO:
        who[w.name] = w
        add_user(s, f"mx.{w.name}", w.role, w.scope if w.role != "delegue" else None)
    # The delegue's scope comes from a delegation granted by the lycée's head; the other delegue has none.
    head = add_user(s, "mx.chef_lycee", "chef", f"etablissement:{canary.LYCEE_UAI}")
    today = date.today()
    grantor = Principal(head.id, head.login, head.role, head.scope)
    d = users.grant_delegation(s, grantor, "mx.delegue", today + timedelta(days=30), today)
    world = World(s, app, facts, who, [], [d.id])
    # Other users' secrets, made the way they are made in use: a support session that searched (an export
    # token), a lycée head's session. No answer to anybody else may carry them.
    for login in ("mx.support", "mx.chef_lycee"):
        c = logged_client(app, login)
        if not world.deps:
            world.deps = c.get("/_dash-dependencies").json
        r = c.post("/_dash-update-component", json=_search_body(world.deps))
        assert r.status_code == 200, r.status_code
        for token in re.findall(r"[?&]t=([A-Za-z0-9_-]{20,40})", text(r)):
            world.secrets[token] = f"jeton d'export de {login}"
        world.secrets[c.get_cookie("meteocomptes").value] = f"session de {login}"
    assert len(world.secrets) >= 4, world.secrets  # two tokens, two sessions
    world.secrets[PASSWORD] = "mot de passe des comptes de test"
    world.secrets[s.secret_key()] = "SECRET_KEY"
    with store.engine(s).connect() as con:
        for login, h in con.execute(sa.select(users.users.c.login, users.users.c.password_hash)).all():
            if h:
                world.secrets[h] = f"empreinte du mot de passe de {login}"
                world.secrets[h.rsplit("$", 1)[-1]] = f"empreinte du mot de passe de {login}"
    assert isinstance(world.deps, list) and world.deps
    world.new_audit_rows()
    return world


def assert_no_secret(w: World) -> None:
    """Every answer recorded so far: no secret, no traceback, no export token minted for another user."""
    assert w.sent
    mine = {t: login for login, ts in w.own_secrets.items() for t in ts}
    for s in w.sent:
        found = [what for secret, what in w.secrets.items() if secret in s.body]
        assert not found, f"{s.login} : {s.what} renvoie {found}"
        assert not TRACEBACK.search(s.body), f"{s.login} : {s.what} renvoie une trace d'exécution"
        for token in re.findall(r"[?&]t=([A-Za-z0-9_-]{20,40})", s.body):
            assert mine.get(token) == s.login, f"{s.login} : {s.what} renvoie le jeton d'export d'un autre"


# ------------------------------------------------------------------ tests


def test_canaries_are_meaningful(world):
    """Guards the test itself: the canary world holds what the matrix relies on."""
    w = world
    chef = canaries(w.facts, w.who["chef_college"])
    own = {p[0] for p in w.facts["pupils"] if p[3] == canary.COLLEGE_UAI}
    assert own and not (own & chef)  # the head's own pupils are not canaries
    assert any(re.fullmatch(r"\w{11}", c) for c in chef)  # INE of other establishments are
    # Duplicates, homonyms (one in another académie), the formula name, quarantined lines, Journal rows.
    assert {"canari.hdup.lyc", "canari.hdup.aca", "canari.adup.lyc", "canari.adup.aca", "canari.formule",
            "henri.lycee@canari.example", "0611223344", "0699887766", "CANA0000001", canary.OTHER_ACA_NAME,
            "2012-02-31", "2015-02-30", "CANQZZ00077", "CANARI-JOURNAL-DIAG-LYCEE"} <= chef
    assert f"{canary.FORMULA} Céleste" in chef
    assert "2014-02-30" not in chef  # the collège's own quarantined line is its head's to read
    # j.techer (collège) has a record in the lycée, which the collège's head sees; the école's head does not.
    assert canary.LYCEE_NAME not in chef and canary.LYCEE_NAME in canaries(w.facts, w.who["chef_ecole"])
    sup = canaries(w.facts, w.who["support"])
    assert {"canari.hdup.aca", canary.OTHER_ACA_NAME, "2015-02-30"} <= sup and "canari.hdup.lyc" not in sup
    assert all(CONTROL_ACCOUNT[n] in {x[2] for x in w.facts["rows"]} for n in CONTROL_ACCOUNT)
    with store.engine(w.settings).connect() as con:
        n = con.execute(sa.select(sa.func.count()).select_from(audit.audit_log).where(
            audit.audit_log.c.action == "diagnostic", audit.audit_log.c.uai == canary.LYCEE_UAI)).scalar()
    assert n == 1


def test_unauthenticated_callbacks_and_exports_are_refused(world):
    c = world.app.server.test_client()
    for dep in world.deps:
        for body in build_payloads(dep, "x"):
            r = world.send(c, None, dep["output"], "post", "/_dash-update-component", json=body)
            assert r.status_code == 401, dep["output"]
    for rule in _export_rules(world.app):
        r = world.send(c, None, rule.rule, "get", _fill_rule(rule, "x"))
        assert r.status_code == 401, rule.rule
    assert_no_secret(world)


# A 204 (PreventUpdate, or every output no_update) is not evidence. It is accepted only where the forged input
# genuinely does not trigger an update, as the browser itself would not send it (callback output → why):
NO_UPDATE_OK: dict[str, str] = {}


def _judge(w: World, who: Who, login: str, dep: dict, v: object, body: dict, r, cans: set[str],  # noqa: ANN001, PLR0913
           items: set[str], ev: Evidence, diag: Counter) -> None:
    what = f"{dep['output']} avec {v!r} ({body['changedPropIds'][0]})"
    # 400/404/422: the malformed-request guard (dashboard/requests_guard.py) refused a value of the wrong type
    # before any callback ran; it is evidence only with its `bad_request` audit row for that very request.
    assert r.status_code in (200, 204, 400, 403, 404, 422), f"{login} : {what} → {r.status_code}"
    raw = r.get_data(as_text=True)
    content = _body(r)
    cells, n_out = _diagnostic_allowance(raw, w.facts)
    diag["hors_perimetre"] += n_out
    if DIAG_OUT in raw and "homonyme" in content and "dans d'autres établissements, sans lien" in content:
        diag["homonymes_comptes"] += 1
    names = {e[1] for e in w.facts["etabs"]}
    leaks = _leaks(content, cans, v, cells, names)
    assert not leaks, f"{login} : {what} renvoie {leaks[:5]}"
    rows = w.new_audit_rows()
    denied = [x for x in rows if x.login == login and x.outcome in ("denied", "failed")]
    if r.status_code == 403:
        assert any(x.action == "forbidden" for x in denied), f"{login} : {what} → 403 sans ligne de journal"
        ev.kinds["refused"] += 1
    elif r.status_code in (400, 404, 422):
        assert any(x.action == "bad_request" for x in denied), f"{login} : {what} → {r.status_code} sans ligne de journal"
        ev.kinds["refused"] += 1
    elif r.status_code == 204:
        ev.kinds["no_update"] += 1
        assert dep["output"] in NO_UPDATE_OK, f"{login} : {what} → 204 sans justification (NO_UPDATE_OK)"
    elif denied:
        ev.kinds["audited"] += 1
    elif any(i.casefold() in content.casefold() for i in items if i.casefold() != str(v).casefold()):
        ev.kinds["in_scope"] += 1
    else:
        ev.kinds["silent"] += 1
        ev.answers.add(raw)


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_forged_callbacks_leak_nothing_out_of_scope(world, name):
    w = world
    who = w.who[name]
    login = f"mx.{name}"
    values = forged_values(w.facts, who, [i for i in w.delegation_ids if name != "delegue"])
    controls = control_values(w.facts, who)
    # What the principal typed may come back (a search box, its own Journal): not a leak. Everything else is.
    cans = canaries(w.facts, who) - {str(v) for v in values}
    items = expected_items(w.facts, who, login)
    c = logged_client(w.app, login)
    w.new_audit_rows()
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    diag: Counter = Counter()
    for dep in w.deps:
        for v in [*values, *controls]:
            for body in build_payloads(dep, v):
                r = w.send(c, login, dep["output"], "post", "/_dash-update-component", json=body)
                assert r.status_code != 401, f"{name} déconnecté par {dep['output']}"
                if v in controls:  # controls only show the callback at work; evidence comes from forged values
                    _judge(w, who, login, dep, v, body, r, cans, items, Evidence(), diag)
                else:
                    _judge(w, who, login, dep, v, body, r, cans, items, evidence[dep["output"]], diag)
    forged = [d for d in w.deps if build_payloads(d, "x")]
    missing = {d["output"]: dict(evidence[d["output"]].kinds) for d in forged if not evidence[d["output"]].ok(d)}
    assert not missing, f"{name} : aucune preuve que la requête forgée atteint le contrôle : {missing}"
    if name in CONTROL_ACCOUNT:
        # The diagnostic ran on the control account: its duplicates elsewhere shown within the allowance (h.dupont:
        # the lycée's for the collège's head, the other académie's for everyone), the homonyms only counted.
        if name == "chef_ecole":  # a.dupont: homonyms in the lycée and in the other académie
            assert diag["homonymes_comptes"] >= 1, f"{name} : homonymes hors périmètre non comptés"
        else:
            assert diag["hors_perimetre"] >= 1, f"{name} : le diagnostic n'a rien montré hors périmètre"
    assert_no_secret(w)


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_pages_per_role(world, name):
    from dashboard.pages import load_pages

    w = world
    login = f"mx.{name}"
    who = w.who[name]
    cans = canaries(w.facts, who)
    c = logged_client(w.app, login)
    p = users.principal_for(w.settings, users.find_user(w.settings, login), date.today())
    pages = load_pages()
    for page in pages:
        expected = name in EXPECTED_PAGES[page.path] if page.path in EXPECTED_PAGES else page.allowed(p)
        if name in NO_DATA_PAGES:
            assert not expected or page.path in NO_DATA_PAGES[name], f"{name} ne doit pas ouvrir {page.path}"
        assert page.allowed(p) == expected, f"{name} {page.path}"
        r = w.send(c, login, page.path, "post", "/_dash-update-component", json=router_body(page.path))
        assert r.status_code == 200, f"{name} {page.path} : {r.status_code}"
        body = json.loads(r.get_data(as_text=True))["response"]
        content = json.dumps(body["shell-content"], ensure_ascii=False)
        assert (ROUTER_DENIED in content) == (not expected), f"{name} {page.path}"
        leaks = _leaks(content, cans)
        assert not leaks, f"{name} : la page {page.path} montre {leaks[:5]}"
        menu = {m for m in re.findall(r'"href": "([^"]+)"', json.dumps(body["shell-nav"], ensure_ascii=False))}
        allowed_paths = {pg.path for pg in pages if pg.in_menu and pg.allowed(p)}
        assert menu == allowed_paths, f"menu de {name}"
        if page.path == "/qualite" and expected and who.console:  # its own quarantined lines, with values
            own = {v for v, uai in canary.QUARANTINED.items() if uai in _in_scope_uais(w.facts, who.scope)}
            assert all(v in content for v in own), f"{name} : lignes écartées de son périmètre absentes"
            assert own or name == "chef_ecole"  # the canary world quarantines lines of the others' remits
    assert_no_secret(w)


def _export_rules(app) -> list:  # noqa: ANN001
    return [r for r in app.server.url_map.iter_rules() if r.rule.startswith(("/export", "/api"))]


def _fill_rule(rule, v) -> str:  # noqa: ANN001
    path = rule.rule
    for arg in rule.arguments:
        sub = {"fmt": "csv", "format": "csv"}.get(arg, str(v))
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(arg) + r">", sub, path)
    q = {"uai": v, "scope": f"etablissement:{v}" if ":" not in str(v) else v, "perimetre": v, "ine": v,
         "identifiant": v, "classe": v, "q": v, "date": "2026-09-15", "id": v}
    return path + "?" + urlencode(q)


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_exports_leak_nothing_out_of_scope(world, name):
    w = world
    who = w.who[name]
    login = f"mx.{name}"
    values = forged_values(w.facts, who, [])
    cans = canaries(w.facts, who) - {str(v) for v in values}
    c = logged_client(w.app, login)
    w.new_audit_rows()
    rules = _export_rules(w.app)
    for rule in rules:
        for v in values:
            for fmt in ("csv", "pdf") if "fmt" in rule.arguments else ("",):
                url = _fill_rule(rule, v).replace("responsables.csv", f"responsables.{fmt}") if fmt else _fill_rule(rule, v)
                r = w.send(c, login, url, "get", url)
                assert r.status_code != 401, url
                # The Journal's CSV is the admin's own page (account-management events only): 200, leak-checked below.
                if who.scope is None and not (who.role == "admin" and rule.rule == "/export/journal.csv"):
                    assert r.status_code == 403, f"{name} {url} : {r.status_code}"
                if r.status_code == 403:  # every refusal is audited, for that very request
                    assert any(x.action == "forbidden" and x.login == login for x in w.new_audit_rows()), url
                else:
                    w.new_audit_rows()
                leaks = _leaks(_body(r), cans, v)
                assert not leaks, f"{name} : {url} renvoie {leaks[:5]}"
    assert_no_secret(w)


def test_revoked_delegation_stops_console_at_next_request(world):
    w = world
    c = logged_client(w.app, "mx.delegue")
    r = c.post("/_dash-update-component", json=router_body("/responsables"))
    assert ROUTER_DENIED not in text(r)
    head = users.find_user(w.settings, "mx.chef_lycee")
    users.revoke_delegation(w.settings, Principal(head.id, head.login, head.role, head.scope), w.delegation_ids[0])
    r = c.post("/_dash-update-component", json=router_body("/responsables"))
    assert ROUTER_DENIED in text(r)


def test_matrix_covers_every_registered_callback(world):
    """The forged payloads are built for every callback of the app, none skipped."""
    outputs = {d["output"] for d in world.deps}
    assert outputs == set(world.app.callback_map.keys())
    assert all(build_payloads(d, "x") for d in world.deps if d["inputs"] and not d.get("clientside_function"))


# ------------------------------------------------------------------ exactly the rows of the scope


def _expected_rows(s: Settings, scope: str) -> tuple[set[str], set[str], int]:
    """(pupil names, account identifiants, distinct accounts) linked to pupils in the scope, at the latest date."""
    from queries import warehouse

    sc = Scope.parse(scope)
    col = LEVEL_COL[sc.level.value]
    with warehouse.connect(s) as con:
        d = con.execute("SELECT asof('full', DATE '9999-12-30')").fetchone()[0]
        rows = con.execute(
            f"""SELECT e.nom || ' ' || e.prenom, r.identifiant
                FROM eleve_at('full', $d) e JOIN etab_at('full', $d) t ON t.uai = e.uai
                JOIN lien_at('full', $d) l ON l.ine = e.ine JOIN resp_at('full', $d) r ON r.responsable_id = l.responsable_id
                WHERE t.{col} = $code""",  # noqa: S608 - col comes from a fixed mapping
            {"d": d, "code": sc.code},
        ).fetchall()
        n = con.execute(
            f"""SELECT count(DISTINCT r.identifiant)
                FROM eleve_at('full', $d) e JOIN etab_at('full', $d) t ON t.uai = e.uai
                JOIN lien_at('full', $d) l ON l.ine = e.ine JOIN resp_at('full', $d) r ON r.responsable_id = l.responsable_id
                JOIN compte_at('full', $d) c ON c.identifiant = r.identifiant
                WHERE t.{col} = $code""",  # noqa: S608
            {"d": d, "code": sc.code},
        ).fetchone()[0]
    return {r[0] for r in rows}, {r[1] for r in rows if r[1]}, n


def _grid_rows(c, deps: list[dict]) -> list[dict]:  # noqa: ANN001
    """Run the console search with no filter, then fetch every row of the grid, as the browser does."""
    dep = next(d for d in deps if any(i["property"] == "n_clicks" for i in d["inputs"]) and "resp-grid-wrap" in d["output"]
               and d["output"].startswith("..resp-grid-wrap.children..."))
    parts = dep["output"][2:-2].split("...")
    body = {"output": dep["output"], "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts],
            "inputs": [{"id": d["id"], "property": d["property"],
                        "value": 1 if d["property"] in CLICK_PROPS else ([] if d["property"] == "value" and d["id"].endswith("s") else None)}
                       for d in dep["inputs"]],
            "state": [], "changedPropIds": [next(f"{d['id']}.{d['property']}" for d in dep["inputs"] if d["property"] in CLICK_PROPS)]}
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.status_code
    grid = json.loads(r.get_data(as_text=True))["response"]["resp-grid-wrap"]["children"]["props"]
    gdep = next(d for d in deps if d["output"].endswith(".getRowsResponse"))
    gid = grid["id"]
    req = {"startRow": 0, "endRow": 10_000, "sortModel": [], "filterModel": {},
           "context": grid.get("dashGridOptions", {}).get("context")}
    r = c.post("/_dash-update-component", json={
        "output": gdep["output"], "outputs": {"id": gid, "property": "getRowsResponse"},
        "inputs": [{"id": gid, "property": "getRowsRequest", "value": req}], "state": [],
        "changedPropIds": [json.dumps(gid, separators=(",", ":"), sort_keys=True) + ".getRowsRequest"]})
    assert r.status_code == 200, r.status_code
    resp = json.loads(r.get_data(as_text=True))["response"]
    return next(iter(resp.values()))["getRowsResponse"]["rowData"]


@pytest.mark.parametrize("name", ["chef_college", "chef_ecole", "delegue", "support"])
def test_console_rows_are_exactly_the_scope(world, name):
    w = world
    pupils, accounts, _ = _expected_rows(w.settings, w.who[name].scope)
    rows = _grid_rows(logged_client(w.app, f"mx.{name}"), w.deps)
    assert {r["eleve"] for r in rows} == pupils
    assert {r["identifiant"] for r in rows if r["identifiant"]} == accounts


@pytest.mark.parametrize("name", ["pilote", "ien", "chef_college", "chef_ecole", "delegue", "support"])
def test_statistics_totals_are_exactly_the_scope(world, name):
    w = world
    scope = w.who[name].scope
    _, _, n = _expected_rows(w.settings, scope)
    c = logged_client(w.app, f"mx.{name}")
    r = w.send(c, name, "synthese", "get", "/export/stats/synthese.csv?" + urlencode({"scope": scope}))
    assert r.status_code == 200, text(r)[:300]
    total = re.search(r"^Total;(\d+);", r.get_data(as_text=True), re.M)
    assert total and int(total.group(1)) == n
    # And nobody gets the synthesis of a scope outside theirs.
    for v in forged_values(w.facts, w.who[name], []):
        if isinstance(v, str) and ":" in v:
            r = w.send(c, name, v, "get", "/export/stats/synthese.csv?" + urlencode({"scope": v}))
            assert r.status_code in (400, 403, 404), f"{name} obtient la synthèse de {v}"
    assert_no_secret(w)
