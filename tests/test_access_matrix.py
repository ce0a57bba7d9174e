"""Role × page × callback × export matrix, generated from the application itself.

- Callbacks: read from `/_dash-dependencies` (the app's own callback map), so a callback added later is
  covered without anyone touching this file. For each role, each callback and each forged value (another UAI,
  another class, circonscription, académie, pupil INE, account, responsable record, delegation id), a
  `/_dash-update-component` payload puts the forged value into every input and state (pattern-matching ids
  and ag-grid `getRowsRequest` included) and the response must contain none of the role's canaries.
- Canaries are computed from the warehouse (`mini_warehouse`): the personal data (INE, names, accounts,
  mobiles, emails) of pupils and guardians outside the principal's scope, and the names of establishments
  outside it; for roles without console (pilote, ien, admin, delegue without delegation) every personal datum
  is a canary, in scope or not: they see aggregates only, or nothing.
- Pages: which pages each role may open, through the shell's router callback and its menu.
- Exports: every Flask route under /export or /api, enumerated from the url_map, with forged parameters.
- Unauthenticated: every callback and every export answers 401.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from test_auth_kit import (
    PASSWORD,
    add_user,
    fast_argon2,  # noqa: F401 - autouse fixture
    logged_client,
    make_app,
    router_body,
    text,
)

from queries import store
from queries.core.scope import Level, Principal, Scope
from queries.core.settings import Settings
from queries.store import audit, users

LEVEL_COL = {"academie": "academie_code", "departement": "departement_code", "circonscription": "circonscription_code",
             "etablissement": "uai"}
CLICK_PROPS = {"n_clicks", "n_submit", "n_intervals", "n_blur", "n_clicks_timestamp"}
# The shell router's refusal (dashboard/app.py); pages may show "Accès refusé" elsewhere (Journal filters).
ROUTER_DENIED = "Cette page ne fait pas partie de vos droits"


# ------------------------------------------------------------------ who


@dataclass(frozen=True)
class Who:
    name: str
    role: str
    scope: str | None
    console: bool  # may see personal data of its scope


def _warehouse_facts(s: Settings) -> dict:
    """Establishments, pupils, guardian records and accounts over every ingested date (raw history tables)."""
    from queries import warehouse

    with warehouse.connect(s) as con:
        etabs = con.execute(
            "SELECT DISTINCT uai, nom, degre, circonscription_code, departement_code, academie_code FROM etab_h ORDER BY uai"
        ).fetchall()
        pupils = con.execute("SELECT DISTINCT ine, nom, prenom, uai, classe FROM eleve_h ORDER BY ine").fetchall()
        records = con.execute(
            """SELECT DISTINCT r.responsable_id, r.uai, r.nom_usage, r.prenoms, r.telephone_portable, r.courriel,
                      r.identifiant, e.uai AS pupil_uai
               FROM resp_h r LEFT JOIN lien_h l USING (responsable_id) LEFT JOIN eleve_h e USING (ine)"""
        ).fetchall()
        accounts = con.execute("SELECT DISTINCT identifiant, courriel, telephone_portable FROM compte_h").fetchall()
    return {"etabs": etabs, "pupils": pupils, "records": records, "accounts": accounts}


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


def canaries(facts: dict, who: Who) -> set[str]:
    inside = _in_scope_uais(facts, who.scope)
    ins: set[str] = set()
    out: set[str] = set()
    for ine, nom, prenom, uai, _classe in facts["pupils"]:
        (ins if uai in inside else out).update({ine, f"{nom} {prenom}", f"{prenom} {nom}"})
    rec_in: set[str] = set()
    for rid, uai, nom, prenoms, tel, mail, ident, pupil_uai in facts["records"]:
        bucket = ins if (uai in inside or pupil_uai in inside) else out
        bucket.update({f"{nom} {prenoms}", mail or "", ident or "", *(_phone_variants(tel))})
        if len(rid) >= 6:
            bucket.add(rid)
        if bucket is ins and ident:
            rec_in.add(ident)
    for ident, mail, tel in facts["accounts"]:
        (ins if ident in rec_in else out).update({ident, mail or "", *(_phone_variants(tel))})
    personal = (out | ins) if not who.console else (out - ins)
    names = {e[1] for e in facts["etabs"] if e[0] not in inside} if who.scope and Scope.parse(who.scope).level in (
        Level.ETABLISSEMENT, Level.CIRCONSCRIPTION) else set()
    return {c for c in personal | names if c and len(c) >= 5}


def forged_values(facts: dict, who: Who, delegation_ids: list[int]) -> list:
    inside = _in_scope_uais(facts, who.scope)
    outside = [e for e in facts["etabs"] if e[0] not in inside]
    vals: list = []
    for e in outside[:3]:
        uai = e[0]
        vals += [uai, f"etablissement:{uai}"]
        p = next((p for p in facts["pupils"] if p[3] == uai), None)
        if p:
            vals += [p[0], p[4], f"classe:{uai}:{p[4]}"]
        r = next((r for r in facts["records"] if r[1] == uai and r[6]), None)
        if r:
            vals += [r[6], r[0]]
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
        vals += [p[0], r[6], r[0]]
    vals += delegation_ids
    seen, out = set(), []
    for v in vals:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


# ------------------------------------------------------------------ forging payloads


def _parse_id(id_str: str):  # noqa: ANN202
    return json.loads(id_str) if id_str.startswith("{") else id_str


def _concrete(id_obj, v):  # noqa: ANN001, ANN202
    """(concrete id, wildcard kind or None) for a dependency id."""
    if isinstance(id_obj, dict):
        kind = None
        out = {}
        for k, val in id_obj.items():
            if isinstance(val, list) and len(val) == 1 and val[0] in ("MATCH", "ALL", "ALLSMALLER"):
                kind = kind or val[0]
                out[k] = v if isinstance(v, str | int) else str(v)
            else:
                out[k] = val
        return out, kind
    return id_obj, None


def _value_for(prop: str, v, as_list: bool = False):  # noqa: ANN001, ANN202
    base = prop.split("@")[0]
    sv = str(v)
    if base in CLICK_PROPS:
        return 1
    if base == "search":
        return "?" + urlencode({"uai": sv, "scope": sv, "perimetre": sv, "ine": sv, "identifiant": sv, "classe": sv,
                                "id": sv, "q": sv, "compte": sv})
    if base == "pathname":
        return "/responsables"
    if base == "getRowsRequest":
        flt = {"filterType": "text", "type": "contains", "filter": sv}
        return {"startRow": 0, "endRow": 100, "sortModel": [],
                "filterModel": {c: flt for c in ("uai", "ine", "identifiant", "classe", "nom", "responsable")}}
    if base in ("cellClicked", "cellDoubleClicked", "cellRendererData"):
        return {"value": v, "colId": "identifiant", "rowIndex": 0, "rowId": sv,
                "data": {"identifiant": sv, "ine": sv, "uai": sv, "responsable_id": sv}}
    if base in ("selectedRows", "virtualRowData", "rowData"):
        return [{"identifiant": sv, "ine": sv, "uai": sv, "responsable_id": sv, "id": v}]
    if base == "data":
        return {"uai": sv, "scope": sv, "perimetre": sv, "ine": sv, "identifiant": sv, "id": v, "responsable_id": sv,
                "classe": sv, "date": "2026-09-15"}
    if base in ("date", "start_date", "end_date"):
        return "2026-09-15"
    return [v] if as_list else v


def build_payloads(dep: dict, v, as_list: bool = False) -> list[dict]:
    """One payload per trigger (each click-like input, and the first input), all inputs/states set from v."""
    if dep.get("clientside_function"):
        return []  # runs in the browser only: nothing to forge on the server
    output = dep["output"]
    multi = output.startswith("..")
    parts = [] if dep.get("no_output") else output[2:-2].split("...") if multi else [output]
    outputs = []
    for part in parts:
        id_str, prop = part.rsplit(".", 1)
        cid, kind = _concrete(_parse_id(id_str), v)
        spec = {"id": cid, "property": prop.split("@")[0]}
        outputs.append([spec] if kind in ("ALL", "ALLSMALLER") else spec)

    def items(deps: list[dict]) -> list:
        res = []
        for d in deps:
            cid, kind = _concrete(_parse_id(d["id"]), v)
            item = {"id": cid, "property": d["property"], "value": _value_for(d["property"], v, as_list)}
            res.append([item] if kind in ("ALL", "ALLSMALLER") else item)
        return res

    inputs, state = items(dep["inputs"]), items(dep.get("state", []))

    def prop_id(x) -> str:  # noqa: ANN001
        x = x[0] if isinstance(x, list) else x
        i = json.dumps(x["id"], separators=(",", ":"), sort_keys=True) if isinstance(x["id"], dict) else x["id"]
        return f"{i}.{x['property']}"

    triggers = [i for i, d in enumerate(dep["inputs"]) if d["property"] in CLICK_PROPS] or [0]
    if 0 not in triggers:
        triggers.append(0)
    payloads = []
    for t in triggers:
        if not inputs:
            break
        payloads.append({"output": output, "outputs": outputs if multi or not outputs else outputs[0], "inputs": inputs,
                         "state": state, "changedPropIds": [prop_id(inputs[t])]})
    return payloads


def _body(r) -> str:  # noqa: ANN001
    ctype = r.headers.get("Content-Type", "")
    if "pdf" in ctype:
        from pypdf import PdfReader

        try:
            return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(r.get_data())).pages)
        except Exception:  # noqa: BLE001 - a broken PDF holds nothing readable either
            return ""
    return text(r)


def _leaks(body: str, cans: set[str], forged: object = None) -> list[str]:
    """Canaries found in the body; the forged value itself may be echoed (a search box, a URL), that is no leak."""
    low = body.casefold()
    echo = str(forged).casefold() if forged is not None else None
    return sorted(c for c in cans if c.casefold() in low and c.casefold() != echo)


# ------------------------------------------------------------------ fixtures


WHO = [
    Who("pilote", "pilote", "academie:{aca}", False),
    Who("ien", "ien", "circonscription:{circo}", False),
    Who("chef_college", "chef", "etablissement:{college}", True),
    Who("chef_ecole", "chef", "etablissement:{ecole}", True),
    Who("delegue", "delegue", "etablissement:{lycee}", True),  # through a delegation from the lycée's head
    Who("delegue_sans_delegation", "delegue", None, False),
    Who("support", "support", "academie:{aca}", True),
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


@pytest.fixture
def world(mini_warehouse: Settings) -> World:
    # Many forged exports per role: lift the export rate limit so every one of them reaches its route.
    s = Settings({**mini_warehouse.values, "EXPORT_RATE_LIMIT": 1_000_000, "NOTIFY_RATE_LIMIT": 1_000_000})
    facts = _warehouse_facts(s)
    etabs = facts["etabs"]
    fill = {
        "aca": etabs[0][5],
        "circo": next(e[3] for e in etabs if e[3]),
        "college": next(e[0] for e in etabs if e[2] == "2D"),
        "ecole": next(e[0] for e in etabs if e[2] == "1D"),
        "lycee": [e[0] for e in etabs if e[2] == "2D"][-1],
    }
    app = make_app(s)
    who = {}
    for w in WHO:
        scope = w.scope.format(**fill) if w.scope else None
        who[w.name] = Who(w.name, w.role, scope, w.console)
        add_user(s, f"mx.{w.name}", w.role, scope if w.role != "delegue" else None)
    # The delegue's scope comes from a delegation granted by the lycée's head; the other delegue has none.
    head = add_user(s, "mx.chef_lycee", "chef", f"etablissement:{fill['lycee']}")
    today = date.today()
    grantor = Principal(head.id, head.login, head.role, head.scope)
    d = users.grant_delegation(s, grantor, "mx.delegue", today + timedelta(days=30), today)
    c = logged_client(app, "mx.support")
    deps = c.get("/_dash-dependencies").json
    assert isinstance(deps, list) and deps
    return World(s, app, facts, who, deps, [d.id])


# ------------------------------------------------------------------ tests


def test_canaries_are_meaningful(world):
    """Guards the test itself: canaries exist where they must, and the fixture has what we rely on."""
    w = world
    assert canaries(w.facts, w.who["chef_college"]) and canaries(w.facts, w.who["pilote"])
    chef = canaries(w.facts, w.who["chef_college"])
    own = {p[0] for p in w.facts["pupils"] if p[3] == Scope.parse(w.who["chef_college"].scope).code}
    assert not (own & chef)  # the head's own pupils are not canaries
    assert any(re.fullmatch(r"\w{11}", c) for c in chef)  # INE of other establishments are


def test_unauthenticated_callbacks_and_exports_are_refused(world):
    c = world.app.server.test_client()
    for dep in world.deps:
        for body in build_payloads(dep, "x"):
            r = c.post("/_dash-update-component", json=body)
            assert r.status_code == 401, dep["output"]
    for rule in _export_rules(world.app):
        r = c.get(_fill_rule(rule, "x"))
        assert r.status_code == 401, rule.rule


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_forged_callbacks_leak_nothing_out_of_scope(world, name):
    w = world
    who = w.who[name]
    values = forged_values(w.facts, who, [i for i in w.delegation_ids if name != "delegue"])
    # What the principal typed may come back (a search box, its own Journal): not a leak. Everything else is.
    cans = canaries(w.facts, who) - {str(v) for v in values}
    c = logged_client(w.app, f"mx.{name}")
    denied = 0
    for dep in w.deps:
        for v in values:
            for body in build_payloads(dep, v):
                r = c.post("/_dash-update-component", json=body)
                if r.status_code == 500:  # a list-valued input (multi dropdown) may need a list: retry
                    for alt in build_payloads(dep, v, as_list=True):
                        if alt["changedPropIds"] == body["changedPropIds"]:
                            r = c.post("/_dash-update-component", json=alt)
                assert r.status_code != 401, f"{name} déconnecté par {dep['output']}"
                leaks = _leaks(_body(r), cans, v)
                assert not leaks, f"{name} : {dep['output']} avec {v!r} renvoie {leaks[:5]}"
                denied += r.status_code == 403
    if denied:
        with store.engine(w.settings).connect() as con:
            n = con.execute(sa.select(sa.func.count()).select_from(audit.audit_log).where(
                audit.audit_log.c.action == "forbidden", audit.audit_log.c.login == f"mx.{name}")).scalar()
        assert n >= denied  # every refusal is in the audit log


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_pages_per_role(world, name):
    from dashboard.pages import load_pages

    w = world
    c = logged_client(w.app, f"mx.{name}")
    p = users.principal_for(w.settings, users.find_user(w.settings, f"mx.{name}"), date.today())
    pages = load_pages()
    for page in pages:
        expected = name in EXPECTED_PAGES[page.path] if page.path in EXPECTED_PAGES else page.allowed(p)
        if name in NO_DATA_PAGES:
            assert not expected or page.path in NO_DATA_PAGES[name], f"{name} ne doit pas ouvrir {page.path}"
        assert page.allowed(p) == expected, f"{name} {page.path}"
        r = c.post("/_dash-update-component", json=router_body(page.path))
        assert r.status_code == 200, f"{name} {page.path} : {r.status_code}"
        body = json.loads(r.get_data(as_text=True))["response"]
        content = json.dumps(body["shell-content"], ensure_ascii=False)
        assert (ROUTER_DENIED in content) == (not expected), f"{name} {page.path}"
        menu = {m for m in re.findall(r'"href": "([^"]+)"', json.dumps(body["shell-nav"], ensure_ascii=False))}
        allowed_paths = {pg.path for pg in pages if pg.in_menu and pg.allowed(p)}
        assert menu == allowed_paths, f"menu de {name}"


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
    cans = canaries(w.facts, who) - {str(v) for v in forged_values(w.facts, who, [])}
    c = logged_client(w.app, f"mx.{name}")
    rules = _export_rules(w.app)
    for rule in rules:
        for v in forged_values(w.facts, who, []):
            for fmt in ("csv", "pdf") if "fmt" in rule.arguments else ("",):
                url = _fill_rule(rule, v).replace("responsables.csv", f"responsables.{fmt}") if fmt else _fill_rule(rule, v)
                r = c.get(url)
                assert r.status_code != 401, url
                # The Journal's CSV is the admin's own page (account-management events only): 200, leak-checked below.
                if who.scope is None and not (who.role == "admin" and rule.rule == "/export/journal.csv"):
                    assert r.status_code == 403, f"{name} {url} : {r.status_code}"
                leaks = _leaks(_body(r), cans, v)
                assert not leaks, f"{name} : {url} renvoie {leaks[:5]}"


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


def test_no_password_of_test_accounts_in_any_response(world):
    c = logged_client(world.app, "mx.admin")
    r = c.post("/_dash-update-component", json=router_body("/admin"))
    assert PASSWORD not in r.get_data(as_text=True)


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
    r = c.get("/export/stats/synthese.csv?" + urlencode({"scope": scope}))
    assert r.status_code == 200, text(r)[:300]
    total = re.search(r"^Total;(\d+);", r.get_data(as_text=True), re.M)
    assert total and int(total.group(1)) == n
    # And nobody gets the synthesis of a scope outside theirs.
    for v in forged_values(w.facts, w.who[name], []):
        if isinstance(v, str) and ":" in v:
            r = c.get("/export/stats/synthese.csv?" + urlencode({"scope": v}))
            assert r.status_code in (400, 403, 404), f"{name} obtient la synthèse de {v}"
