"""The console's privacy and safety, on a copy of the mini snapshot with homonyms and likely duplicates added across
establishments (the shared fixture stays untouched):

- « Je ne vois pas tous mes enfants »: what the diagnostic callback sends a head holds, for records outside the
  head's remit, the establishment and the kind of difference only — no other record's names, account, email, record
  id or mobile digits, and homonyms as a count; support sees the records in full; every run is audited with the
  records it matched.
- Actions that change a guardian's access: refused without the server-side confirmation; the new-password box is
  unticked for activated and activating accounts; a reset letter or email says it is a reset.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from auth_kit import add_user, fast_argon2, logged_client, make_app  # noqa: F401 - fast_argon2: autouse

from dashboard.pages.responsables.ids import GRID_TYPE, Ids
from queries.core.scope import Principal, Role, Scope
from queries.services import actions, console
from queries.store import audit, console_state, engine, init_db

DAY = "2026-09-15"
COLLEGE, LYCEE, ECOLE_FILAOS, ECOLE_BOIS = "9740501B", "9740601K", "9740101S", "9740102T"
CHEF = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
SUPPORT = Principal(2, "support", Role.SUPPORT, Scope.parse("academie:28"))

# Added records. h.dupont (R09, collège, M DUPONT Henri, 0692000009, henri.dupont@example.re, activated, last login
# 29/08/2026) and i.riviere (R10, collège, RIVIERE Isabelle, isabelle.riviere@example.re) are the mini's.
# responsable_id;source;uai;civilite;nom_usage;nom_naissance;prenoms;telephone_portable;courriel;identifiant
RECORDS = [
    # likely duplicate of h.dupont at the lycée: same mobile, extra first names, another email
    f"RX-LYC-DUP-90;SIECLE;{LYCEE};M;DUPONT;DUPONT;Henri Joseph;0692000009;hjd.lycee@example.re;h.dupont.lyc",
    # likely duplicate of i.riviere at an école: birth name used as usage name elsewhere, same email, other mobile
    f"RX-ECO-DUP-91;ONDE;{ECOLE_BOIS};MME;GRONDIN;RIVIERE;Isabelle;0693478512;isabelle.riviere@example.re;i.grondin",
    # homonyms of h.dupont (other people: other mobile and email) at an école and at the lycée
    f"RX-ECO-HOM-92;ONDE;{ECOLE_FILAOS};M;DUPONT;DUPONT;Henri;0693857146;hd.homonyme@example.re;h.dupont.eco",
    f"RX-LYC-HOM-93;SIECLE;{LYCEE};M;DUPONT;DUPONT;Henri;0692736459;;h.dupont.lyc2",
    # a homonym inside the collège: the head may open that account anyway
    f"RX-COL-HOM-94;SIECLE;{COLLEGE};M;DUPONT;DUPONT;Henri;0693620487;hd.college@example.re;h.dupont.col",
]
PUPILS = [
    f"0000000090A;DUPONT;Tom;2010-02-02;{LYCEE};2NDE 1;20010018110;2NDE GENERALE ET TECHNOLOGIQUE",
    f"0000000091A;GRONDIN;Eva;2018-05-05;{ECOLE_BOIS};CE1;;",
    f"0000000092A;DUPONT;Zoé;2019-09-09;{ECOLE_FILAOS};CP A;;",
    f"0000000093A;DUPONT;Max;2009-01-01;{LYCEE};2NDE 1;20010018110;2NDE GENERALE ET TECHNOLOGIQUE",
    f"0000000094A;DUPONT;Lou;2014-04-04;{COLLEGE};6EME A;10010012110;6EME",
]
LINKS = ["RX-LYC-DUP-90;0000000090A;PERE", "RX-ECO-DUP-91;0000000091A;MERE", "RX-ECO-HOM-92;0000000092A;PERE",
         "RX-LYC-HOM-93;0000000093A;PERE", "RX-COL-HOM-94;0000000094A;PERE"]
ACCOUNTS = [
    "h.dupont.lyc;NON_RENSEIGNE;NON_NOTIFIE;;;;;;",
    "i.grondin;ETABLISSEMENT;ACTIVE;2026-06-01;2026-06-03;2026-09-01;;isabelle.riviere@example.re;0693478512",
    "h.dupont.eco;RESPONSABLE;ACTIVE;;2026-01-10;2026-09-10;;hd.homonyme@example.re;0693857146",
    "h.dupont.lyc2;NON_RENSEIGNE;NON_NOTIFIE;;;;;;",
    "h.dupont.col;NON_RENSEIGNE;NON_NOTIFIE;;;;;;",
]
# What a collège head must never receive: the records outside the collège (account, email, record id, names of the
# duplicate and of the homonyms' own accounts, mobile digits).
OUTSIDE = {
    "accounts": ["h.dupont.lyc", "i.grondin", "h.dupont.eco", "h.dupont.lyc2"],
    "emails": ["hjd.lycee@example.re", "hd.homonyme@example.re"],
    "record_ids": ["RX-LYC-DUP-90", "RX-ECO-DUP-91", "RX-ECO-HOM-92", "RX-LYC-HOM-93"],
    "names": ["Henri Joseph", "GRONDIN"],
    "mobiles": ["0693478512", "0693857146", "0692736459"],
}


def add_duplicates(folder: Path) -> Path:
    """Append the records above to a copy of a mini snapshot folder."""
    for name, rows in (("responsables", RECORDS), ("eleves", PUPILS), ("liens", LINKS), ("comptes", ACCOUNTS)):
        path = folder / f"{name}.csv"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def dup(mini_snapshot, make_settings):
    import io as _io

    from data.ingest import ingest

    s = make_settings()
    out = _io.StringIO()
    outcomes = ingest(s, [add_duplicates(mini_snapshot(DAY))], out=out, err=out)
    assert all(o.error is None for o in outcomes), out.getvalue()
    init_db(s)
    return s


@pytest.fixture
def web(dup):
    app = make_app(dup)
    add_user(dup, "chef.college", "chef", f"etablissement:{COLLEGE}")
    add_user(dup, "chef.lycee", "chef", f"etablissement:{LYCEE}")
    add_user(dup, "support.aca", "support", "academie:28")
    return dup, app


# ------------------------------------------------------------------------------------------------- helpers


def call(client, trigger: str, values: dict[str, Any]):  # noqa: ANN001, ANN201
    """POST the server callback whose inputs include `trigger` ("id.prop"), as the renderer would: every input and
    state takes its value from `values` (None otherwise). The output spec is the app's own (/_dash-dependencies)."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if not d.get("clientside_function")
               and any(f"{i['id']}.{i['property']}" == trigger for i in d["inputs"]))

    def item(x: dict) -> dict:
        key = f"{x['id']}.{x['property']}" if isinstance(x["id"], str) else x["property"]
        return {"id": x["id"], "property": x["property"], "value": values.get(key)}

    spec = dep["output"]
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    outputs = [{"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]} for p in parts]
    inputs = []
    def plain(x: dict) -> bool:  # the map spells a pattern-matching id as its JSON text
        return isinstance(x["id"], str) and not x["id"].startswith("{")

    for i in dep["inputs"]:
        if plain(i):
            inputs.append(item(i))
        else:  # a pattern-matching input (ALL): one grid on the page
            gid = {"type": GRID_TYPE, "gen": 1}
            inputs.append([{"id": gid, "property": i["property"], "value": values.get(i["property"])}])
    state = []
    for st in dep["state"]:
        if plain(st):
            state.append(item(st))
        else:
            state.append([{"id": {"type": GRID_TYPE, "gen": 1}, "property": st["property"],
                           "value": values.get(st["property"])}])
    body = {"output": spec, "outputs": outputs if spec.startswith("..") else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": [trigger]}
    return client.post("/_dash-update-component", json=body)


def rid_of(settings, principal, ident: str) -> str:  # noqa: ANN001
    rows = console.search(settings, principal, console.Filters(), limit=500).rows
    return next(r["rid"] for r in rows if r["identifiant"] == ident)


def open_account(client, rid: str) -> dict:  # noqa: ANN001
    gid = {"type": GRID_TYPE, "gen": 1}
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["property"] == "cellClicked" for i in d["inputs"]))
    parts = dep["output"][2:-2].split("...")
    outputs = [{"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]} for p in parts]
    r = client.post("/_dash-update-component", json={
        "output": dep["output"], "outputs": outputs, "state": [], "changedPropIds": [],
        "inputs": [[{"id": gid, "property": "cellClicked", "value": {"rowId": rid, "colId": "eleve", "timestamp": 1}}]]})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


def digits_joined(text: str) -> str:
    """Digits written with spaces, dots or no-break spaces between them, joined: « 06 93 85 » → « 069385 »."""
    return re.sub(r"(?<=\d)[\s.\u00a0\u202f-]+(?=\d)", "", text)


def leaks(text: str) -> list[str]:
    """Every forbidden value found in `text` (mobile numbers: any run of 4 of their digits)."""
    found = [v for k in ("accounts", "emails", "record_ids", "names") for v in OUTSIDE[k] if v in text]
    joined = digits_joined(text)
    for m in OUTSIDE["mobiles"]:
        d = m[1:]  # the national number without its leading 0 (as +262 693… writes it)
        found += [f"{m} ({d[i:i + 4]})" for i in range(len(d) - 3) if d[i:i + 4] in joined]
    return found


# ------------------------------------------------------------------------------------------------- diagnostic


def test_diagnostic_callback_sends_a_head_nothing_outside_the_remit(web):
    settings, app = web
    c = logged_client(app, "chef.college")
    rid = rid_of(settings, CHEF, "h.dupont")
    open_account(c, rid)
    r = call(c, f"{Ids.D_DIAG}.n_clicks", {f"{Ids.D_DIAG}.n_clicks": 1, f"{Ids.CURRENT}.data": rid})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    raw = r.get_data(as_text=True)
    body = json.dumps(r.get_json(), ensure_ascii=False)  # unicode escapes decoded
    assert leaks(body) == [] and leaks(raw) == []
    assert '"Details"' not in raw and "<details" not in raw  # nothing tucked away either
    # What the head needs to act: where, what differs, what to do; homonyms elsewhere as a count.
    assert f"Lycée Antoine Roussin ({LYCEE})" in body and "Prénoms supplémentaires" in body
    assert "secrétariat de l'établissement Lycée Antoine Roussin" in body
    assert "2 homonymes dans d'autres établissements, sans lien avec ce responsable" in body
    # The homonym inside the collège: the head can open that account in the console, so it is shown.
    assert "h.dupont.col" in body and "Homonymes dans votre périmètre" in body
    # i.riviere: the école's record carries the birth name as usage name; the école is named, not the record.
    rid2 = rid_of(settings, CHEF, "i.riviere")
    r2 = call(c, f"{Ids.D_DIAG}.n_clicks", {f"{Ids.D_DIAG}.n_clicks": 2, f"{Ids.CURRENT}.data": rid2})
    body2 = json.dumps(r2.get_json(), ensure_ascii=False)
    assert r2.status_code == 200 and leaks(body2) == []
    assert "Nom de naissance saisi comme nom d'usage" in body2 and f"({ECOLE_BOIS})" in body2
    assert "direction de l'école" in body2


def test_diagnostic_query_selects_no_out_of_remit_field_for_a_head(dup):
    d = console.diagnostic(dup, CHEF, "h.dupont")
    assert leaks(repr(d)) == []  # the query layer's answer itself, not only the page
    outside = [x for x in d.findings if not x.in_remit]
    assert [(x.uai, x.kind, x.difference) for x in outside] == [(LYCEE, "doublon", "prenoms_supplementaires")]
    assert all(x.identifiant is None and x.nom is None and x.valeur_la_bas is None for x in outside)
    assert d.homonymes_ailleurs == 2
    assert [(x.identifiant, x.in_remit) for x in d.homonymes] == [("h.dupont.col", True)]
    # support (académie, entitled to all for helpdesk work): the records in full, homonyms included
    s = console.diagnostic(dup, SUPPORT, "h.dupont")
    assert {x.identifiant for x in s.findings} == {"h.dupont.lyc", "h.dupont.eco", "h.dupont.lyc2", "h.dupont.col"}
    assert s.homonymes_ailleurs == 0
    lyc = next(x for x in s.findings if x.identifiant == "h.dupont.lyc")
    assert lyc.nom == "DUPONT Henri Joseph" and lyc.valeur_la_bas == "Henri Joseph"
    eco = next(x for x in s.findings if x.identifiant == "h.dupont.eco")
    assert eco.valeur_la_bas == "•• •• •• •• 46 · hd.homonyme@example.re"  # a mobile: its last two digits


def test_each_diagnostic_run_audits_the_records_it_matched(dup):
    console.diagnostic(dup, CHEF, "h.dupont")
    with engine(dup).connect() as con:
        rows = con.execute(sa.select(audit.audit_log).where(audit.audit_log.c.action == "diagnostic")).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.login == "chef" and row.uai == COLLEGE and row.outcome == "ok"
    targets = json.loads(row.targets)
    assert targets[0] == "h.dupont"
    assert set(targets[1:]) == {f"RX-LYC-DUP-90@{LYCEE}", f"RX-ECO-HOM-92@{ECOLE_FILAOS}",
                                f"RX-LYC-HOM-93@{LYCEE}", f"RX-COL-HOM-94@{COLLEGE}"}
    detail = json.loads(row.detail)
    assert detail == {"fiches": 4, "doublon": 1, "homonyme": 3, "hors_perimetre": 3}
    # The head reads this row in the Journal: the records matched outside the collège are masked there.
    from queries.services import journal

    shown = json.dumps(journal.page(dup, CHEF, journal.Filters.build(None, None, None, "diagnostic"), 0, 100),
                       ensure_ascii=False)
    assert "h.dupont" in shown and leaks(shown) == [] and LYCEE not in shown
    assert "hd.homonyme@example.re" not in (row.detail + row.targets)  # ids only, no contact data


# ------------------------------------------------------------------------------------------------- safe actions


def _state(settings, ident: str) -> str:  # noqa: ANN001
    return console.account_detail(settings, SUPPORT, ident).compte["etat"]


def _passwords(settings, ident: str) -> int:  # noqa: ANN001
    with engine(settings).connect() as con:
        t = console_state.provisional_password.c
        return con.execute(sa.select(sa.func.count()).where(t.identifiant == ident)).scalar_one()


def test_an_active_account_keeps_its_password_without_confirmation(dup):
    assert _state(dup, "h.dupont") == "ACTIVE"
    with pytest.raises(actions.ActionRefused, match="Confirmation requise"):
        actions.notify(dup, CHEF, ["h.dupont"], "courrier", True)
    with pytest.raises(actions.ActionRefused, match="Confirmation requise"):
        actions.reset_password(dup, CHEF, "h.dupont")
    with pytest.raises(actions.ActionRefused, match="Confirmation requise"):  # a stale confirmation neither
        actions.reset_password(dup, CHEF, "h.dupont", confirmed={"h.dupont": "NOTIFIE_NON_ACTIVE"})
    assert _state(dup, "h.dupont") == "ACTIVE" and _passwords(dup, "h.dupont") == 0
    # without a new password it is a reminder: nothing to confirm, the account stays activated
    res = actions.notify(dup, CHEF, ["h.dupont"], "courrier", False)
    assert res.letters[0].kind == "rappel" and res.letters[0].password is None
    assert _state(dup, "h.dupont") == "ACTIVE"
    # a group that replaces nobody's own password needs no confirmation of states either
    res = actions.notify(dup, CHEF, ["h.dupont", "k.fontaine"], "courrier", True, active_passwords=False, group=True)
    kinds = {lt.identifiant: (lt.kind, bool(lt.password)) for lt in res.letters}
    assert kinds == {"h.dupont": ("rappel", False), "k.fontaine": ("activation", True)}
    assert _state(dup, "h.dupont") == "ACTIVE" and _state(dup, "k.fontaine") == "NOTIFIE_NON_ACTIVE"


def test_confirmation_token_is_the_users_single_use_and_binds_what_was_shown(dup):
    other = Principal(9, "chef2", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
    p = actions.prepare(dup, CHEF, "notify", ["h.dupont"], "courrier", True)
    assert [(a.identifiant, a.etat, str(a.date_derniere_connexion)) for a in p.accounts] == [
        ("h.dupont", "ACTIVE", "2026-08-29")]
    assert _state(dup, "h.dupont") == "ACTIVE"  # preparing changes nothing
    for who, token in ((other, p.token), (CHEF, "forged-token"), (CHEF, None)):
        with pytest.raises(actions.ActionRefused):
            actions.confirm(dup, who, token)
    assert _state(dup, "h.dupont") == "ACTIVE"
    done, res = actions.confirm(dup, CHEF, p.token)
    assert done.action == "notify" and res.letters[0].kind == "reinitialisation" and res.letters[0].password
    assert _state(dup, "h.dupont") == "NOTIFIE_NON_ACTIVE"
    with pytest.raises(actions.ActionRefused, match="déjà servi"):
        actions.confirm(dup, CHEF, p.token)
    with pytest.raises(actions.ActionRefused, match="désactivé"):
        actions.prepare(dup, CHEF, "reset", ["i.riviere"])


def test_forged_callbacks_cannot_skip_the_dialog(web):
    settings, app = web
    c = logged_client(app, "chef.college")
    rid = rid_of(settings, CHEF, "h.dupont")
    open_account(c, rid)
    # The confirm button pressed with no token, a made-up one, or another user's: refused, nothing changes.
    other = logged_client(app, "support.aca")
    r0 = call(other, f"{Ids.D_RESET}.n_clicks", {f"{Ids.D_RESET}.n_clicks": 1, f"{Ids.CURRENT}.data": rid})
    assert r0.status_code == 200
    support_token = r0.get_json()["response"][str(Ids.CONFIRM_TOKEN)]["data"]["token"]
    for ref in (None, {"token": "x" * 32, "origin": "detail"}, {**{"origin": "detail"}, "token": support_token}):
        r = call(c, f"{Ids.CONFIRM_OK}.n_clicks", {f"{Ids.CONFIRM_OK}.n_clicks": 1, f"{Ids.CONFIRM_TOKEN}.data": ref})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        resp = r.get_json()["response"]
        assert "relancez l'action" in json.dumps(resp, ensure_ascii=False) and str(Ids.DOWNLOAD) not in resp
    assert _state(settings, "h.dupont") == "ACTIVE" and _passwords(settings, "h.dupont") == 0

    # The real flow: the button asks; the dialog states the state and the last login; the token confirms.
    r = call(c, f"{Ids.D_NOTIFY}.n_clicks", {f"{Ids.D_NOTIFY}.n_clicks": 1, f"{Ids.CURRENT}.data": rid,
                                             f"{Ids.D_CHANNEL}.value": "courrier", f"{Ids.D_NEWPW}.value": ["oui"]})
    resp = r.get_json()["response"]
    dialog = json.dumps(resp[str(Ids.CONFIRM_BODY)], ensure_ascii=False)
    assert "Ce compte est activé ; dernière connexion le 29/08/2026." in dialog
    assert "empêchera le responsable de se connecter avec son mot de passe actuel" in dialog
    assert _state(settings, "h.dupont") == "ACTIVE"  # asking changed nothing
    ref = resp[str(Ids.CONFIRM_TOKEN)]["data"]
    r = call(c, f"{Ids.CONFIRM_OK}.n_clicks", {f"{Ids.CONFIRM_OK}.n_clicks": 2, f"{Ids.CONFIRM_TOKEN}.data": ref})
    out = r.get_json()["response"]
    assert out[str(Ids.DOWNLOAD)]["data"]["filename"] == "notification-h.dupont.pdf"
    assert out[str(Ids.CONFIRM_TOKEN)]["data"] is None  # closes the dialog
    assert _state(settings, "h.dupont") == "NOTIFIE_NON_ACTIVE" and _passwords(settings, "h.dupont") == 1


def test_new_password_box_is_unticked_for_activated_and_activating_accounts(web):
    import importlib

    settings, app = web
    layout = importlib.import_module("dashboard.pages.responsables.layout")
    c = logged_client(app, "chef.college")
    assert open_account(c, rid_of(settings, CHEF, "h.dupont"))[str(Ids.D_NEWPW)]["value"] == []  # activated
    assert open_account(c, rid_of(settings, CHEF, "k.fontaine"))[str(Ids.D_NEWPW)]["value"] == ["oui"]  # never notified
    sup = logged_client(app, "support.aca")
    g = Principal(5, "s", Role.SUPPORT, Scope.parse("academie:28"))
    assert console.account_detail(settings, g, "g.grondin").compte["etat"] == "EN_COURS_ACTIVATION"
    assert open_account(sup, rid_of(settings, g, "g.grondin"))[str(Ids.D_NEWPW)]["value"] == []
    # group: a new password for accounts not yet activated, not for the others, unless asked
    boxes = {b.id: b.value for b in _walk(layout.group_actions()) if getattr(b, "id", None) in (
        Ids.G_NEWPW, Ids.G_NEWPW_ACTIVE)}
    assert boxes == {Ids.G_NEWPW: ["oui"], Ids.G_NEWPW_ACTIVE: []}
    assert _walk_find(layout.detail_panel(), Ids.D_NEWPW).value == []  # until an account opens


def _walk(c):  # noqa: ANN001, ANN202
    yield c
    kids = getattr(c, "children", None)
    for k in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
        if hasattr(k, "to_plotly_json"):
            yield from _walk(k)


def _walk_find(c, id_):  # noqa: ANN001, ANN202
    return next(x for x in _walk(c) if getattr(x, "id", None) == id_)


def test_reset_letter_and_email_say_it_is_a_reset(dup):
    from pypdf import PdfReader

    from dashboard.exports_console import letters_pdf

    letter = actions.reset_password(dup, CHEF, "h.dupont", confirmed={"h.dupont": "ACTIVE"})
    text = PdfReader(io.BytesIO(letters_pdf([letter]))).pages[0].extract_text()
    flat = " ".join(text.split())
    assert "Réinitialisation de votre mot de passe" in flat and letter.password in flat
    assert "Pour activer votre compte" not in flat and "Votre ancien mot de passe ne fonctionne plus" in flat
    subject, body = actions.letter_email(letter, True)
    assert subject == "Réinitialisation de votre mot de passe EduConnect"
    assert "Pour activer votre compte" not in body and "Votre mot de passe provisoire : {mot_de_passe}" in body
    # a renotification by email with a new password of an activated account is a reset email, in the outbox
    from queries.store import outbox

    sup_letter = actions.notify(dup, SUPPORT, ["i.grondin"], "courriel", True, confirmed={"i.grondin": "ACTIVE"})
    assert sup_letter.queued == 1
    msgs = outbox.messages(dup, identifiants=["i.grondin"], limit=5)
    with engine(dup).connect() as con:
        subj, mail_body = con.execute(sa.select(outbox.outbox_message.c.subject, outbox.outbox_message.c.body)
                                      .where(outbox.outbox_message.c.id == msgs[0]["id"])).one()
    assert subj == "Réinitialisation de votre mot de passe EduConnect" and "Pour activer" not in mail_body
