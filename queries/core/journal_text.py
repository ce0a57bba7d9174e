"""The Journal's entries as French sentences (no Dash, no database: unit-tested on plain values).

« Marie Dupont (chef d'établissement, Collège Bois de Nèfles) a recherché un nom de 6 caractères dans la console
— 12 résultats (×5 entre 10:02 et 10:09) ». What an entry names has already been decided by the caller: the
targets it may show (`Event.targets`) and how many it must not (`Event.hidden_targets`), whether a refused
attempt's detail is withheld (`Event.detail_hidden`), and the names of perimeters (`place`, a look-up that falls
back on « établissement 9740001A » — never a raw code such as « etablissement:9740001A »).
Times are stored as naive UTC (core/clock.py) and shown in Europe/Paris, `JJ/MM/AAAA HH:MM`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from queries.core.clock import in_paris
from queries.core.formats import fmt_date, fmt_datetime, fmt_int
from queries.core.vocab import ETATS, ORIGINES, role_label

OUTCOME_LABELS = {"ok": "Réussi", "denied": "Refusé", "failed": "Échec", "error": "Erreur"}
# How a sentence opens when the event did not succeed.
OUTCOME_PREFIX = {"denied": "Tentative refusée", "failed": "Échec", "error": "Erreur"}
HIDDEN_DETAIL = "détail réservé à l'assistance académique et à l'administrateur"
MAX_NAMED_TARGETS = 5

Place = Callable[[str | None], str]

# A perimeter written into a free-text reason (an AccessDenied message: « Le périmètre etablissement:9740001A … »):
# the reader sees it named like any other (queries.core.scope.Scope's codes; a class or MEF up to a space).
SCOPE_IN_TEXT = re.compile(
    r"\b(?:(?:academie|departement|circonscription|etablissement):[0-9A-Za-z_\-]{1,20}"
    r"|(?:classe|mef):[0-9A-Za-z_\-]{1,20}:[^\s:,;()]{1,40})"
)


@dataclass(frozen=True)
class Event:
    """One Journal entry, possibly standing for `count` identical searches between `first_at` and `at`."""

    at: datetime  # naive UTC; the latest occurrence
    action: str
    outcome: str = "ok"
    login: str | None = None
    name: str = ""  # the account's display name, when it still exists
    role: str | None = None
    actor_scope: str | None = None
    scope: str | None = None
    targets: Sequence[str] = ()  # the ones the reader may see
    hidden_targets: int = 0  # how many more the reader may not see
    detail: Mapping[str, Any] | str | None = None
    detail_hidden: bool = False
    count: int = 1
    first_at: datetime | None = None


def when(at: datetime) -> str:
    return fmt_datetime(in_paris(at))


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{fmt_int(n)} {one if n == 1 else (many or one + 's')}"


def default_place(scope: str | None) -> str:
    """A perimeter without a name at hand: its level in words and its code, never « level:code »."""
    if not scope:
        return ""
    level, _, rest = scope.partition(":")
    code, _, sub = rest.partition(":")
    words = {
        "academie": "académie",
        "departement": "département",
        "circonscription": "circonscription",
        "etablissement": "établissement",
    }
    if level == "classe":
        return f"classe {sub} (établissement {code})"
    if level == "mef":
        return f"MEF {sub} (établissement {code})"
    return f"{words.get(level, level)} {code}".strip()


def scopes_in(text: object) -> list[str]:
    """The perimeters a free text names in code (for the caller's look-up of their names)."""
    return SCOPE_IN_TEXT.findall(text) if isinstance(text, str) else []


def named(text: object, place: Place) -> str:
    """A free text with the perimeters it names in code told by `place`: « Le périmètre Collège X … »."""
    return SCOPE_IN_TEXT.sub(lambda m: place(m.group(0)), str(text))


def parse_detail(detail: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """The stored detail as a dict; a plain text detail becomes {"texte": …}."""
    if isinstance(detail, Mapping):
        return dict(detail)
    if not detail:
        return {}
    try:
        value = json.loads(detail)
    except ValueError:
        return {"texte": detail}
    return value if isinstance(value, dict) else {"texte": str(value)}


def actor(ev: Event, place: Place = default_place) -> str:
    """« Marie Dupont (chef d'établissement, Collège X) », « l'opérateur en ligne de commande « root » »,
    « l'identifiant « m.dupont » » (someone not signed in)."""
    login = ev.login or ""
    if ev.role is None:
        if login.startswith("cli:"):
            return f"l'opérateur en ligne de commande « {login.removeprefix('cli:')} »"
        return f"l'identifiant « {login} »" if login else "un visiteur non identifié"
    who = ev.name.strip() or login
    where = place(ev.actor_scope) if ev.actor_scope else ""
    return f"{who} ({role_label(ev.role)}{', ' + where if where else ''})"


def accounts(shown: Sequence[str], hidden: int = 0, noun: str = "compte") -> str:
    """« le compte a », « les comptes a, b et c », « les comptes a, b et 3 autres », « 1 compte hors de votre
    périmètre »."""
    named = list(shown[:MAX_NAMED_TARGETS])
    rest = len(shown) - len(named)
    tail = []
    if rest:
        tail.append(f"{fmt_int(rest)} autre{'s' if rest > 1 else ''}")
    if hidden:
        tail.append(f"{plural(hidden, noun)} hors de votre périmètre")
    if not named:
        return " et ".join(tail) if tail else f"un {noun}"
    if len(named) == 1 and not tail:
        return f"le {noun} {named[0]}"
    items = named + tail
    return f"les {noun}s " + (", ".join(items[:-1]) + " et " + items[-1] if len(items) > 1 else items[0])


def _search(d: Mapping[str, Any], place: Place) -> str:
    crit = []
    if d.get("uai"):
        crit.append(place(f"etablissement:{d['uai']}"))
    if d.get("classe"):
        crit.append(("classe " if len(d["classe"]) == 1 else "classes ") + ", ".join(map(str, d["classe"])))
    if d.get("classes_inconnues"):
        crit.append(plural(int(d["classes_inconnues"]), "classe inconnue", "classes inconnues"))
    if d.get("etat"):
        crit.append("état " + ", ".join(ETATS.get(str(e), str(e)) for e in d["etat"]))
    if d.get("origine"):
        crit.append("origine " + ", ".join(ORIGINES.get(str(o), str(o)) for o in d["origine"]))
    for key, word in (("mail", "adresse mail"), ("mobile", "téléphone portable")):
        if d.get(key) in ("oui", "non"):
            crit.append(f"{'avec' if d[key] == 'oui' else 'sans'} {word}")
    n = d.get("recherche_longueur")
    text = (
        f"a recherché un nom de {plural(int(n), 'caractère')} dans la console"
        if n
        else ("a filtré la console" if crit else "a affiché la liste de la console")
    )
    if crit:
        text += " (" + " ; ".join(crit) + ")"
    if isinstance(d.get("resultats"), int):
        text += " — " + plural(d["resultats"], "résultat")
    return text


def _export(ev: Event, d: Mapping[str, Any], place: Place) -> str:
    fmt = str(d.get("format", "csv")).upper()
    lines = f", {plural(int(d['lignes']), 'ligne')}" if isinstance(d.get("lignes"), int) else ""
    if d.get("page") == "journal":
        return f"a exporté le journal ({fmt}{lines})"
    if d.get("type"):
        on = f" de {place(ev.scope)}" if ev.scope else ""
        day = d.get("date")
        data = (
            f", données du {fmt_date(date.fromisoformat(day))}" if isinstance(day, str) and _iso(day) else ""
        )
        return f"a exporté les statistiques ({d['type']}){on}{data}"
    cut = ", tronquée" if d.get("tronque") else ""
    return f"a exporté la liste des responsables ({fmt}{lines}{cut})"


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _done(ev: Event, d: Mapping[str, Any], place: Place) -> str:
    """What the actor did, after their name (successful events)."""
    a, t = ev.action, accounts(ev.targets, ev.hidden_targets)
    if a == "search":
        return _search(d, place)
    if a == "view":
        if d.get("page") == "qualite":
            n = d.get("lignes_en_quarantaine_montrees")
            shown = (
                f" ({plural(int(n), 'ligne écartée montrée', 'lignes écartées montrées')})"
                if isinstance(n, int)
                else ""
            )
            return f"a consulté la page « Qualité des données »{shown}"
        if d.get("page") == "courriels":
            n = d.get("messages")
            shown = f" ({plural(int(n), 'courriel')})" if isinstance(n, int) else ""
            return f"a consulté les courriels de démonstration{shown}"
        if d.get("page"):  # a page without its own wording: never « a ouvert un compte »
            return f"a consulté la page « {d['page']} »"
        return f"a ouvert {t}"
    if a == "export":
        return _export(ev, d, place)
    if a == "notify":
        n = d.get("nombre") if isinstance(d.get("nombre"), int) else len(ev.targets) + ev.hidden_targets
        canal = {"courrier": "par courrier", "courriel": "par courriel"}.get(str(d.get("canal")), "")
        pw = ", avec nouveau mot de passe provisoire" if d.get("nouveau_mot_de_passe") else ""
        return f"a notifié {plural(n, 'compte')} {canal}{pw} : {t}".replace("  ", " ")
    if a == "reset":
        return f"a réinitialisé le mot de passe {_of(t)}"
    if a == "correct":
        fields = ", ".join(
            {"courriel": "courriel", "mobile": "téléphone portable"}.get(str(c), str(c))
            for c in d.get("champs") or []
        )
        return f"a corrigé {t}" + (f" ({fields})" if fields else "")
    if a == "diagnostic":
        first = accounts(ev.targets[:1], 0 if ev.targets else min(ev.hidden_targets, 1))
        n, out = d.get("fiches"), d.get("hors_perimetre")
        counts = f" ({plural(int(n), 'fiche comparée', 'fiches comparées')}" if isinstance(n, int) else ""
        if counts and isinstance(out, int) and out:
            counts += f", dont {fmt_int(out)} hors périmètre"
        return f"a lancé « Je ne vois pas tous mes enfants » sur {first}{counts + ')' if counts else ''}"
    if a == "login_ok":
        return "s'est connecté(e)"
    if a == "logout":
        return "s'est déconnecté(e)"
    if a == "session_expired":
        return "a vu sa session expirer" + (f" ({named(d['raison'], place)})" if d.get("raison") else "")
    if a == "user_created":
        role = role_label(d.get("role")) if d.get("role") else ""
        where = place(d.get("perimetre")) if d.get("perimetre") else ""
        what = ", ".join(x for x in (role, where) if x)
        return f"a créé {accounts(ev.targets, ev.hidden_targets, 'compte')}" + (f" ({what})" if what else "")
    if a == "user_disabled":
        return f"a désactivé {t}"
    if a == "user_enabled":
        return f"a réactivé {t}"
    if a == "user_password_reset":
        return f"a réinitialisé le mot de passe {_of(t)}"
    if a == "delegation_granted":
        end = d.get("fin")
        until = (
            f" jusqu'au {fmt_date(date.fromisoformat(end[:10]))}"
            if isinstance(end, str) and _iso(end)
            else ""
        )
        return f"a délégué l'accès à la console à {', '.join(ev.targets) or 'un compte'}{until}"
    if a == "delegation_revoked":
        return f"a retiré la délégation de {', '.join(ev.targets) or 'un compte'}"
    if a == "snapshot_withdrawn":
        day = d.get("date")
        on = f" du {fmt_date(date.fromisoformat(day))}" if isinstance(day, str) and _iso(day) else ""
        cov = f" ({place(ev.scope)})" if ev.scope else " (fichiers complets)"
        return f"a retiré les données{on}{cov}"
    return f"— {ev.action}"


def _of(accounts_text: str) -> str:
    """« de » + an accounts phrase: « du compte a », « des comptes a et b », « de 1 compte hors … »."""
    for art, contracted in (("le ", "du "), ("les ", "des ")):
        if accounts_text.startswith(art):
            return contracted + accounts_text.removeprefix(art)
    return "de " + accounts_text


def _refused(ev: Event, d: Mapping[str, Any], label: str, place: Place) -> str:
    """What was attempted and why it did not go through."""
    if ev.detail_hidden:
        return f"{label} ({HIDDEN_DETAIL})"
    why = [named(d["raison"], place)] if d.get("raison") else []
    if ev.action == "forbidden":
        what = d.get("page") or d.get("chemin")
        if d.get("perimetre"):
            why.insert(0, place(str(d["perimetre"])))
        if d.get("sortie"):
            why.append(f"élément « {d['sortie']} »")
        if d.get("texte"):
            why.append(named(d["texte"], place))
        head = f"accès à {what}" if what else "accès refusé"
        return head + (f" ({' ; '.join(why)})" if why else "")
    if ev.targets or ev.hidden_targets:
        why.insert(0, accounts(ev.targets, ev.hidden_targets))
    return label + (f" ({' ; '.join(why)})" if why else "")


def sentence(ev: Event, label: str | None = None, place: Place = default_place) -> str:
    """The entry in one French sentence. `label` is the action's label (« Export »), used for refused attempts."""
    d = parse_detail(ev.detail)
    label = (label or ev.action).lower()
    who = actor(ev, place)
    if ev.outcome != "ok":
        prefix = OUTCOME_PREFIX.get(ev.outcome, OUTCOME_LABELS.get(ev.outcome, ev.outcome))
        if ev.action in ("login_failed", "login_locked") and ev.role is None:
            what = "connexion bloquée" if ev.action == "login_locked" else "connexion"
            body = f"{prefix} : {what} de {who}" + (
                "" if ev.detail_hidden or not d.get("raison") else f" ({named(d['raison'], place)})"
            )
        else:
            body = f"{prefix} : {who} — {_refused(ev, d, label, place)}"
    else:
        body = f"{who} {_done(ev, d, place)}"
    return _capital(body) + repeat_suffix(ev)


def repeat_suffix(ev: Event) -> str:
    """« (×5 entre 10:02 et 10:09) » for a grouped entry, « (×2 à 10:02) » within one minute; the dates as well
    when it spans midnight."""
    if ev.count <= 1 or ev.first_at is None:
        return ""
    a, b = in_paris(ev.first_at), in_paris(ev.at)
    if f"{a:%Y%m%d%H%M}" == f"{b:%Y%m%d%H%M}":
        return f" (×{fmt_int(ev.count)} à {a:%H:%M})"
    if a.date() == b.date():
        return f" (×{fmt_int(ev.count)} entre {a:%H:%M} et {b:%H:%M})"
    return f" (×{fmt_int(ev.count)} entre le {fmt_datetime(a)} et le {fmt_datetime(b)})"


def _capital(text: str) -> str:
    """The sentence's own words get a capital (« L'opérateur… »), never a login or a name as written."""
    return text[:1].upper() + text[1:] if text.startswith(("l'", "un ")) else text
