"""Console actions: (re)notification by letter or email, password reset, account corrections.

State lives in the transactional store; the warehouse is never written. What was done since the latest
snapshot is overlaid on the snapshot's state by queries.services.console (`live_overlay`): an account notified today
shows « Notifié et non activé » with today's date until the next snapshot supersedes it.

An action "since the latest snapshot" is one made on or after the snapshot's data date, or after its
ingestion time: the snapshot of day J holds the directory as extracted on J, so a notification of day J is
in the snapshot of J+1 at the earliest.

Provisional passwords are random, appear only in the letter or the email, and are stored only hashed (argon2).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from queries.core import authz, vocab
from queries.core.authz import Action
from queries.core.clock import utcnow
from queries.core.scope import AccessDenied, Principal
from queries.core.settings import Settings
from queries.services import console
from queries.store import audit as audit_log
from queries.store import console_state, outbox, ratelimit
from queries.store.console_state import (
    LETTER_VALIDITY_DAYS,
    _hasher,
    new_password,
)

log = logging.getLogger(__name__)




MAX_GROUP = 2000  # accounts per group action: a bigger PDF would outlive the request (and nobody prints it)
PHONE_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "FR")  # overseas first: 0692… is Réunion before it is mainland


class ActionRefused(ValueError):
    """An action that cannot be done, with the reason in French (shown to the user)."""


def refuse_export_only(settings: Settings, principal: Principal, ids: Sequence[str], action: str) -> None:
    """ActionRefused, audited, when an account is known in the caller's scope only through a console export: the
    export holds no civility, address, email nor source record to act with (queries.services.console.EXPORT_LACKS)."""
    what = {"notify": "notification", "reset": "reinitialisation", "correct": "correction"}[action]
    try:
        console.refuse_export_only(settings, principal, ids, what)
    except console.Unavailable as exc:
        audit(settings, principal, action, targets=list(ids)[:50], outcome="denied",
              detail={"raison": "établissement connu par l'export de la console seulement"})
        raise ActionRefused(str(exc)) from None




def audit(settings: Settings, principal: Principal | None, action: str, **kw: Any) -> None:
    audit_log.record(settings, principal, action, **kw)






# ---------------------------------------------------------------------------------------------------------
# Live overlay








# ---------------------------------------------------------------------------------------------------------
# Notification and reset
#
# An account whose guardian already chose a password (« Activé », « En cours d'activation ») loses it when a new
# provisional password is set: the guardian is locked out until they use the letter. So such a change is done only
# with `confirmed`, the states the user was shown and accepted (see « Confirmation » below); a caller that skips
# the confirmation is refused, whatever the browser sent.

OWN_PASSWORD_STATES = ("ACTIVE", "EN_COURS_ACTIVATION")  # the guardian has a password of their own
LETTER_KINDS = ("activation", "reinitialisation", "rappel")


@dataclass(frozen=True)
class Letter:
    """One page of the letters PDF (or one email). `password` is None when no new password was set (and for
    emails, whose password is drawn at delivery). `kind`: activation (a new account, or one not yet activated),
    reinitialisation (a new password replaces the guardian's), rappel (login reminder, password unchanged)."""

    identifiant: str
    civilite: str
    nom: str
    prenoms: str
    courriel: str
    enfants: tuple[str, ...]
    etablissement: str
    password: str | None
    valid_until: date
    kind: str = "activation"


@dataclass
class NotifyResult:
    batch: str
    letters: list[Letter] = field(default_factory=list)
    queued: int = 0  # emails put in the outbox
    skipped_disabled: int = 0
    skipped_no_email: int = 0

    @property
    def done(self) -> int:
        return len(self.letters) if not self.queued else self.queued


def _new_state(etat: str, with_password: bool) -> tuple[str, str | None]:
    # An account with a password of its own keeps working when re-notified without a new password (a reminder);
    # otherwise it waits for activation with the letter's provisional password.
    if etat in OWN_PASSWORD_STATES and not with_password:
        return etat, None
    return "NOTIFIE_NON_ACTIVE", "ETABLISSEMENT"


def _letter_kind(etat: str, with_password: bool) -> str:
    if etat in OWN_PASSWORD_STATES:
        return "reinitialisation" if with_password else "rappel"
    return "activation"


def _unconfirmed(recips: Sequence[console.Recipient], replaces: Any, confirmed: Mapping[str, str] | None) -> list[str]:
    """Accounts whose own password would be replaced without the user having confirmed it in that state."""
    ok = confirmed or {}
    return [r.identifiant for r in recips
            if r.etat in OWN_PASSWORD_STATES and replaces(r) and ok.get(r.identifiant) != r.etat]


def notify(
    settings: Settings,
    principal: Principal,
    identifiants: Sequence[str],
    channel: str,
    with_password: bool,
    *,
    group: bool = False,
    active_passwords: bool | None = None,
    confirmed: Mapping[str, str] | None = None,
) -> NotifyResult:
    """(Re)notify accounts (re-checked against the scope in SQL). channel: "courrier" (letters) or "courriel".

    with_password: a new provisional password for accounts not yet activated; active_passwords: the same for
    accounts activated or activating (None: as with_password). Replacing the password of such an account needs
    `confirmed` (identifiant → the state the user confirmed), equal to its live state.
    """
    authz.require(principal, Action.CONSOLE)
    if channel not in ("courrier", "courriel"):
        raise ActionRefused("Mode de notification inconnu.")
    if not identifiants:
        raise ActionRefused("Aucun compte sélectionné : rien à notifier.")
    if len(set(identifiants)) > MAX_GROUP:
        raise ActionRefused(f"{len(set(identifiants))} comptes : au plus {MAX_GROUP} par envoi. Affinez la recherche "
                            "(par classe, par état…) et notifiez en plusieurs fois.")
    recips = console.recipients(settings, principal, identifiants)
    if not recips:
        audit(settings, principal, "notify", targets=list(identifiants)[:50], outcome="denied",
              detail={"raison": "aucun compte du périmètre"})
        raise ActionRefused("Aucun des comptes demandés n'est dans votre périmètre.")
    refuse_export_only(settings, principal, [r.identifiant for r in recips], "notify")
    own_pw = with_password if active_passwords is None else active_passwords

    def password_for(r: console.Recipient) -> bool:
        return own_pw if r.etat in OWN_PASSWORD_STATES else with_password

    acted = [r for r in recips if r.etat != "DESACTIVE" and (channel == "courrier" or r.courriel)]
    missing = _unconfirmed(acted, password_for, confirmed)
    if missing:
        audit(settings, principal, "notify", targets=missing, outcome="denied",
              detail={"raison": "confirmation absente ou état changé", "nombre": len(missing)})
        raise ActionRefused(_confirm_again(len(missing)))
    if group or len(recips) > 1:
        if not ratelimit.hit(settings, f"notify:{principal.user_id}", int(settings["NOTIFY_RATE_LIMIT"]), 3600):
            audit(settings, principal, "notify", outcome="denied", detail={"raison": "limite de notifications groupées"})
            raise ActionRefused("Trop de notifications groupées en une heure : réessayez plus tard.")
    res = NotifyResult(batch=str(uuid.uuid4()))
    now = utcnow()
    valid_until = (now + timedelta(days=LETTER_VALIDITY_DAYS)).date()
    kind = "notify_letter" if channel == "courrier" else "notify_email"
    act_rows: list[dict[str, Any]] = []
    pw_rows: list[dict[str, Any]] = []
    mails: list[tuple[Letter, str, bool]] = []
    replaced = 0
    for r in recips:
        if r.etat == "DESACTIVE":
            res.skipped_disabled += 1
            continue
        if channel == "courriel" and not r.courriel:
            res.skipped_no_email += 1
            continue
        with_pw = password_for(r)
        replaced += int(with_pw and r.etat in OWN_PASSWORD_STATES)
        # Emails draw their password at delivery time (queries.store.outbox): nothing secret waits in the store.
        pw = new_password() if with_pw and channel == "courrier" else None
        etat, origine = _new_state(r.etat, with_pw)
        letter = Letter(r.identifiant, r.civilite, r.nom, r.prenoms, r.courriel, r.enfants, r.etablissement, pw,
                        valid_until, _letter_kind(r.etat, with_pw))
        act_rows.append({"at": now, "user_id": principal.user_id, "login": principal.login, "kind": kind,
                         "identifiant": r.identifiant, "batch": res.batch, "new_password": with_pw,
                         "etat_apres": etat, "origine_apres": origine})
        if pw:
            pw_rows.append({"identifiant": r.identifiant, "hash": _hasher.hash(pw), "created_at": now,
                            "expires_at": now + timedelta(days=LETTER_VALIDITY_DAYS), "created_by": principal.login})
        if channel == "courrier":
            res.letters.append(letter)
        else:
            mails.append((letter, r.courriel, with_pw))
    if not act_rows:
        why = ("aucun des comptes n'a d'adresse électronique" if res.skipped_no_email
               else "les comptes sélectionnés sont désactivés")
        raise ActionRefused(f"Aucune notification possible : {why}.")
    console_state.record_actions(settings, act_rows, pw_rows)
    if mails:
        for letter, to, with_pw in mails:
            subject, body = letter_email(letter, with_pw)
            outbox.enqueue(settings, to, subject, body, identifiant=letter.identifiant, batch=res.batch,
                           created_by=principal.login)
        res.queued = len(mails)
        outbox.kick()
    audit(settings, principal, "notify", targets=[r["identifiant"] for r in act_rows],
          detail={"canal": channel, "nouveau_mot_de_passe": with_password, "mots_de_passe_remplaces": replaced,
                  "nombre": len(act_rows), "lot": res.batch, "ignores_desactives": res.skipped_disabled,
                  "ignores_sans_courriel": res.skipped_no_email})
    return res


def _confirm_again(n: int) -> str:
    who = ("1 compte activé ou en cours d'activation perdrait son mot de passe actuel, ou son état a changé" if n == 1
           else f"{n} comptes activés ou en cours d'activation perdraient leur mot de passe actuel, ou leur état a "
           "changé")
    return f"Confirmation requise : {who} depuis la confirmation. Relancez l'action et lisez la demande de confirmation."


def reset_password(settings: Settings, principal: Principal, identifiant: str, *,
                   confirmed: Mapping[str, str] | None = None) -> Letter:
    """Réinitialiser le mot de passe: a new provisional password, handed over in a one-page reset letter.

    The guardian's own password (account activated or activating) is replaced only with `confirmed`."""
    authz.require(principal, Action.CONSOLE)
    recips = console.recipients(settings, principal, [identifiant])
    if not recips:
        audit(settings, principal, "reset", targets=[str(identifiant)[:100]], outcome="denied")
        raise AccessDenied("Ce compte n'est rattaché à aucun élève de votre périmètre.")
    refuse_export_only(settings, principal, [recips[0].identifiant], "reset")
    r = recips[0]
    if r.etat == "DESACTIVE":
        raise ActionRefused("Ce compte est désactivé : son mot de passe ne peut pas être réinitialisé.")
    if _unconfirmed(recips, lambda _r: True, confirmed):
        audit(settings, principal, "reset", targets=[r.identifiant], outcome="denied",
              detail={"raison": "confirmation absente ou état changé"})
        raise ActionRefused(_confirm_again(1))
    now = utcnow()
    pw = new_password()
    console_state.record_actions(
        settings,
        [{"at": now, "user_id": principal.user_id, "login": principal.login, "kind": "reset",
          "identifiant": r.identifiant, "batch": str(uuid.uuid4()), "new_password": True,
          "etat_apres": "NOTIFIE_NON_ACTIVE", "origine_apres": None}],
        [{"identifiant": r.identifiant, "hash": _hasher.hash(pw), "created_at": now,
          "expires_at": now + timedelta(days=LETTER_VALIDITY_DAYS), "created_by": principal.login}])
    audit(settings, principal, "reset", targets=[r.identifiant], detail={"etat_avant": r.etat})
    return Letter(r.identifiant, r.civilite, r.nom, r.prenoms, r.courriel, r.enfants, r.etablissement, pw,
                  (now + timedelta(days=LETTER_VALIDITY_DAYS)).date(), "reinitialisation")




# ---------------------------------------------------------------------------------------------------------
# Confirmation of an action that changes a guardian's access
#
# `prepare` checks the request (scope in SQL, sizes), reads each account's live state and last login, and keeps
# what will be done, server side, under a random single-use token (only its hash is stored) bound to the user.
# The browser shows the facts and sends back the token alone; `confirm` takes the action as it was prepared (the
# browser cannot change the accounts, channel or password option in between) and passes the states shown as
# `confirmed`, so an account whose state changed meanwhile is refused.

CONFIRM_SECONDS = 600



@dataclass(frozen=True)
class AccountState:
    identifiant: str
    etat: str
    date_notification: date | None
    date_derniere_connexion: date | None
    has_email: bool


@dataclass(frozen=True)
class Pending:
    """An action waiting for its confirmation: what the dialog states, and the token that confirms it."""

    token: str
    action: str  # notify | reset
    channel: str  # courrier | courriel (reset: courrier)
    with_password: bool  # accounts not yet activated
    active_passwords: bool  # accounts activated or activating
    group: bool
    accounts: tuple[AccountState, ...]

    def replaces_own_password(self, a: AccountState) -> bool:
        return a.etat in OWN_PASSWORD_STATES and (self.action == "reset" or self.active_passwords)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prepare(
    settings: Settings,
    principal: Principal,
    action: str,
    identifiants: Sequence[str],
    channel: str = "courrier",
    with_password: bool = True,
    *,
    active_passwords: bool | None = None,
    group: bool = False,
) -> Pending:
    """Check an action on these accounts and keep it for confirmation (nothing changes yet)."""
    authz.require(principal, Action.CONSOLE)
    if action not in ("notify", "reset"):
        raise ActionRefused("Action inconnue.")
    if action == "reset":
        channel, with_password, active_passwords = "courrier", True, True
        identifiants = list(identifiants)[:1]
    if channel not in ("courrier", "courriel"):
        raise ActionRefused("Mode de notification inconnu.")
    ids = [i for i in dict.fromkeys(identifiants) if isinstance(i, str)]
    if not ids:
        raise ActionRefused("Aucun compte sélectionné : l'action est refusée. Cochez des lignes ou choisissez "
                            "« Tous les résultats de la recherche ».")
    if len(ids) > MAX_GROUP:
        raise ActionRefused(f"{len(ids)} comptes : au plus {MAX_GROUP} par envoi. Affinez la recherche "
                            "(par classe, par état…) et notifiez en plusieurs fois.")
    recips = console.recipients(settings, principal, ids)
    if not recips:
        audit(settings, principal, action, targets=ids[:50], outcome="denied",
              detail={"raison": "aucun compte du périmètre"})
        raise AccessDenied("Aucun des comptes demandés n'est dans votre périmètre.")
    refuse_export_only(settings, principal, [r.identifiant for r in recips], action)
    if not group and len(recips) == 1 and recips[0].etat == "DESACTIVE":
        raise ActionRefused("Ce compte est désactivé : il ne peut être ni notifié ni réinitialisé.")
    accounts = tuple(AccountState(r.identifiant, r.etat, r.date_notification, r.date_derniere_connexion,
                                  bool(r.courriel)) for r in recips)
    if not group and channel == "courriel" and not accounts[0].has_email:
        raise ActionRefused("Ce compte n'a pas d'adresse électronique : choisissez le courrier imprimable, ou "
                            "corrigez d'abord le compte.")
    own = with_password if active_passwords is None else active_passwords
    token = secrets.token_urlsafe(24)
    now = utcnow()
    payload = {"action": action, "channel": channel, "with_password": bool(with_password),
               "active_passwords": bool(own), "group": bool(group),
               "states": {a.identifiant: a.etat for a in accounts}}
    console_state.keep_confirmation(settings, _token_hash(token), principal.user_id, principal.login,
                                    json.dumps(payload), now, now + timedelta(seconds=CONFIRM_SECONDS))
    return Pending(token, action, channel, bool(with_password), bool(own), bool(group), accounts)


def confirm(settings: Settings, principal: Principal, token: Any) -> tuple[Pending, NotifyResult | Letter]:
    """Do the action kept under `token` (once, by the user who prepared it, before it expires)."""
    authz.require(principal, Action.CONSOLE)
    if not isinstance(token, str) or not 0 < len(token) <= 100:
        # The dialog always sends a token: a confirmation without one is forged or stale, refused and audited.
        audit(settings, principal, "notify", outcome="denied", detail={"raison": "confirmation absente"})
        raise ActionRefused("Demande de confirmation absente : relancez l'action.")
    payload = console_state.take_confirmation(settings, _token_hash(token), principal.user_id)
    if payload is None:  # unknown, expired, another user's, or already used (by a concurrent request)
        audit(settings, principal, "notify", outcome="denied", detail={"raison": "confirmation inconnue ou expirée"})
        raise ActionRefused("Cette demande de confirmation a expiré ou a déjà servi : relancez l'action.")
    p = json.loads(payload)
    states: dict[str, str] = p["states"]
    pending = Pending("", p["action"], p["channel"], p["with_password"], p["active_passwords"], p["group"],
                      tuple(AccountState(i, e, None, None, False) for i, e in states.items()))
    if p["action"] == "reset":
        return pending, reset_password(settings, principal, next(iter(states)), confirmed=states)
    return pending, notify(settings, principal, list(states), p["channel"], p["with_password"], group=p["group"],
                           active_passwords=p["active_passwords"], confirmed=states)


# ---------------------------------------------------------------------------------------------------------
# Wording of letters and emails (one text for both)

ACTIVATION_URL = "https://educonnect.education.gouv.fr"


@dataclass(frozen=True)
class Wording:
    title: str  # the letter's heading and the email's subject
    intro: str
    password_note: str
    steps_title: str
    steps: tuple[str, ...]
    outro: str


# « de » elides before a vowel sound. Vowels, accented ones and Y (« d'Yves », « d'Yanis ») elide; H never does:
# whether a first name's h is mute (« d'Hélène ») or aspirated (« de Hugues ») cannot be told from its spelling,
# and « de Hélène » is a lesser fault than « d'Hugues ». Names come upper- or lower-case from ONDE and SIECLE.
ELIDING_INITIALS = frozenset("aeiouyàâäéèêëîïôöùûüÿæœ")


def de(name: str) -> str:
    """« de Hugo », « d'Axel », « d'Émilie »: the preposition before a name, elided before a vowel."""
    return f"d'{name}" if name[:1].lower() in ELIDING_INITIALS else f"de {name}"


def of_children(enfants: Sequence[str]) -> str:
    """« d'Axel MARTIN (6EME A), de Hugo MARTIN (CM2) et d'Émilie MARTIN (CP) »; « de vos enfants » without names."""
    if not enfants:
        return "de vos enfants"
    parts = [de(e) for e in enfants]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def wording(letter: Letter, with_password: bool | None = None) -> Wording:
    """What a letter or an email says, by kind: activation, reinitialisation (reset), rappel (reminder)."""
    has_pw = bool(letter.password) if with_password is None else with_password
    enfants = of_children(letter.enfants)
    validity = (f"Ce mot de passe provisoire est valable 3 mois, jusqu'au {letter.valid_until:%d/%m/%Y}. "
                "Vous devrez le changer lors de votre première connexion.")
    forgotten = ("En cas d'oubli, cliquez sur « Mot de passe perdu » sur la page de connexion : un code vous sera "
                 "envoyé par SMS ou par courriel.")
    connect = (f"Rendez-vous sur {ACTIVATION_URL}.", "Saisissez votre identifiant et le mot de passe provisoire.",
               "Choisissez votre nouveau mot de passe.")
    if letter.kind == "reinitialisation":
        return Wording(
            "Réinitialisation de votre mot de passe EduConnect",
            f"À la demande de l'établissement {letter.etablissement}, le mot de passe de votre compte EduConnect a "
            "été réinitialisé : il est remplacé par le mot de passe provisoire ci-dessous. Votre ancien mot de passe "
            "ne fonctionne plus.",
            validity, "Pour vous connecter", connect,
            "Si vous n'avez pas demandé cette réinitialisation, contactez l'établissement.")
    if letter.kind == "rappel":
        return Wording(
            "Rappel de votre identifiant EduConnect",
            f"L'établissement {letter.etablissement} vous rappelle l'identifiant de votre compte EduConnect, qui "
            f"donne accès aux services en ligne de la scolarité {enfants}. Votre compte est déjà activé : votre "
            "mot de passe ne change pas.",
            f"Utilisez le mot de passe que vous avez choisi. {forgotten}", "Pour vous connecter",
            (f"Rendez-vous sur {ACTIVATION_URL}.", "Saisissez votre identifiant et votre mot de passe."), "")
    return Wording(
        "Votre compte EduConnect",
        f"EduConnect est le compte unique qui vous donne accès aux services en ligne de la scolarité {enfants} : "
        "livret scolaire, téléservices, espace numérique de travail.",
        validity if has_pw else f"Utilisez le mot de passe que vous avez déjà choisi. {forgotten}",
        "Pour activer votre compte",
        (f"Rendez-vous sur {ACTIVATION_URL}.", "Saisissez votre identifiant et votre mot de passe provisoire.",
         "Choisissez votre nouveau mot de passe.",
         "Confirmez votre adresse électronique et votre numéro de téléphone portable."),
        "Vous pouvez aussi créer votre compte vous-même avec FranceConnect ou avec votre numéro de téléphone "
        "portable. En cas de difficulté, contactez l'établissement.")


def letter_email(letter: Letter, with_password: bool) -> tuple[str, str]:
    """Subject and body of a notification email; `{mot_de_passe}` is replaced by the sender at delivery."""
    civ = vocab.civilite_label(letter.civilite)
    w = wording(letter, with_password)
    pw = f"Votre mot de passe provisoire : {{mot_de_passe}}\n{w.password_note}" if with_password else w.password_note
    steps = "\n".join(f"  {i}. {s}" for i, s in enumerate(w.steps, start=1))
    outro = f"{w.outro}\n\n" if w.outro else ""
    body = f"""{civ} {letter.prenoms} {letter.nom},

{w.intro}

Votre identifiant : {letter.identifiant}
{pw}

{w.steps_title} :
{steps}

{outro}Ce message est envoyé automatiquement : merci de ne pas y répondre.
"""
    return w.title, body


# ---------------------------------------------------------------------------------------------------------
# Corrections


def _given(value: str | None, what: str, limit: int, too_long: str) -> str:
    """The typed value without surrounding blanks; ActionRefused when it is empty (« <what> vide. ») or longer
    than `limit` (`too_long`)."""
    v = (value or "").strip()
    if not v:
        raise ActionRefused(f"{what} vide.")
    if len(v) > limit:
        raise ActionRefused(too_long)
    return v


def normalise_email(value: str) -> str:
    """A valid email (no DNS look-up), normalised; ActionRefused with the reason in French otherwise."""
    v = _given(value, "Adresse électronique", 254, "Adresse électronique trop longue (254 caractères au plus).")
    if "@" not in v:
        raise ActionRefused(f"Adresse électronique « {v[:60]} » invalide : il manque le caractère « @ ».")
    try:
        return validate_email(v, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        msg = str(exc)
        if "domain" in msg.lower() or "period" in msg.lower() or "dot" in msg.lower():
            reason = "le nom de domaine après « @ » n'est pas valide"
        elif "before the @" in msg or "local part" in msg.lower():
            reason = "la partie avant « @ » n'est pas valide"
        else:
            reason = "forme non reconnue"
        raise ActionRefused(f"Adresse électronique « {v[:60]} » invalide : {reason}.") from None


def normalise_mobile(value: str) -> str:
    """A mobile number of France or an overseas region, as E.164; ActionRefused in French otherwise."""
    v = _given(value, "Numéro de téléphone portable", 30, "Numéro de téléphone portable trop long.")
    seen_fixed = False
    for region in PHONE_REGIONS:
        try:
            num = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(num):
            continue
        kind = phonenumbers.number_type(num)
        if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            if phonenumbers.region_code_for_number(num) not in PHONE_REGIONS:
                raise ActionRefused(f"Numéro « {v} » : seuls les portables de France et des outre-mer sont acceptés.")
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        seen_fixed = True
    if seen_fixed:
        raise ActionRefused(f"Numéro « {v} » : c'est un numéro de téléphone fixe, pas un portable.")
    raise ActionRefused(
        f"Numéro « {v} » invalide : attendu un portable de France ou d'outre-mer (ex. 0692 12 34 56, +262 639 01 23 45)."
    )


def correct_account(settings: Settings, principal: Principal, identifiant: str, courriel: str | None,
                    mobile: str | None) -> list[str]:
    """Modifier le compte: stores the corrections as pending (until a snapshot confirms them). Returns the fields."""
    authz.require(principal, Action.CONSOLE)
    if not console.accounts_in_scope(settings, principal, [identifiant]):
        audit(settings, principal, "correct", targets=[str(identifiant)[:100]], outcome="denied")
        raise AccessDenied("Ce compte n'est rattaché à aucun élève de votre périmètre.")
    refuse_export_only(settings, principal, [identifiant], "correct")
    detail = console.account_detail(settings, principal, identifiant)
    changes: list[tuple[str, str, str]] = []
    if courriel is not None and courriel.strip() != "":
        new = normalise_email(courriel)
        if new != (detail.compte.get("courriel") or ""):
            changes.append(("courriel", detail.compte.get("courriel") or "", new))
    if mobile is not None and mobile.strip() != "":
        new = normalise_mobile(mobile)
        if new != (detail.compte.get("telephone_portable") or ""):
            changes.append(("telephone_portable", detail.compte.get("telephone_portable") or "", new))
    if not changes:
        raise ActionRefused("Aucune modification : saisissez un courriel ou un portable différent de l'actuel.")
    now = utcnow()
    console_state.record_corrections(settings, [
        {"at": now, "identifiant": identifiant, "champ": c, "ancienne_valeur": old[:254], "nouvelle_valeur": new,
         "login": principal.login} for c, old, new in changes])
    audit(settings, principal, "correct", targets=[identifiant], detail={"champs": [c for c, _, _ in changes]})
    return [c for c, _, _ in changes]
