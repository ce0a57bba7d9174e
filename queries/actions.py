"""Console actions: (re)notification by letter or email, password reset, account corrections.

State lives in the transactional store; the warehouse is never written. What was done since the latest
snapshot is overlaid on the snapshot's state by queries.console (`live_overlay`): an account notified today
shows « Notifié et non activé » with today's date until the next snapshot supersedes it.

An action "since the latest snapshot" is one made on or after the snapshot's data date, or after its
ingestion time: the snapshot of day J holds the directory as extracted on J, so a notification of day J is
in the snapshot of J+1 at the earliest.

Provisional passwords are random, appear only in the letter or the email, and are stored only hashed (argon2).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers
import sqlalchemy as sa
from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email

from meteocomptes.settings import Settings
from queries import console, labels
from queries.scope import AccessDenied, Principal
from queries.store import engine, metadata

log = logging.getLogger(__name__)

console_action = sa.Table(
    "console_action",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("login", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(24), nullable=False),  # notify_letter | notify_email | reset
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("batch", sa.String(36), nullable=False, index=True),
    sa.Column("new_password", sa.Boolean, nullable=False, default=False),
    sa.Column("etat_apres", sa.String(24), nullable=True),
    sa.Column("origine_apres", sa.String(24), nullable=True),
)

provisional_password = sa.Table(
    "provisional_password",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("hash", sa.String(200), nullable=False),  # argon2 only, never the password
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=True),
)

account_correction = sa.Table(
    "account_correction",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("champ", sa.String(24), nullable=False),  # courriel | telephone_portable
    sa.Column("ancienne_valeur", sa.String(254), nullable=True),
    sa.Column("nouvelle_valeur", sa.String(254), nullable=False),
    sa.Column("login", sa.String(64), nullable=True),
)

LETTER_VALIDITY_DAYS = 92  # « 3 mois »
MAX_GROUP = 2000  # accounts per group action: a bigger PDF would outlive the request (and nobody prints it)
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # no 0/O, 1/l/I
PASSWORD_LENGTH = 12
# The password is 12 random characters (~70 bits): a slow hash adds nothing against guessing it, and 500 letters
# must print in seconds, so argon2 runs with light parameters (~2 ms) rather than the login's (~150 ms).
_hasher = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)
PHONE_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "FR")  # overseas first: 0692… is Réunion before it is mainland


class ActionRefused(ValueError):
    """An action that cannot be done, with the reason in French (shown to the user)."""


def utcnow() -> datetime:
    return datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003 (naive UTC, as the rest of the store)


def audit(settings: Settings, principal: Principal | None, action: str, **kw: Any) -> None:
    from queries import audit as audit_log

    audit_log.record(settings, principal, action, **kw)


def new_password() -> str:
    while True:
        pw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in pw) and any(c.islower() for c in pw) and any(c.isupper() for c in pw):
            return pw


def verify_provisional(settings: Settings, identifiant: str, password: str) -> bool:
    """True when `password` is the latest, unexpired provisional password of the account."""
    t = provisional_password.c
    with engine(settings).connect() as con:
        row = con.execute(
            sa.select(t.hash, t.expires_at).where(t.identifiant == identifiant).order_by(t.id.desc()).limit(1)
        ).first()
    if row is None or row.expires_at < utcnow():
        return False
    try:
        return _hasher.verify(row.hash, password)
    except Exception:  # argon2 raises on mismatch
        return False


# ---------------------------------------------------------------------------------------------------------
# Live overlay


def _cutoff(snap_date: date, ingested_at: datetime) -> datetime:
    return min(datetime.combine(snap_date, datetime.min.time()), ingested_at.replace(tzinfo=None))


def live_overlay(settings: Settings, snap_date: date, ingested_at: datetime) -> list[dict[str, Any]]:
    """Per account acted upon since the latest snapshot: the state, dates and contact data to show."""
    since = _cutoff(snap_date, ingested_at)
    a, k = console_action.c, account_correction.c
    with engine(settings).connect() as con:
        acts = con.execute(
            sa.select(a.identifiant, a.kind, a.at, a.etat_apres, a.origine_apres).where(a.at >= since).order_by(a.id)
        ).all()
        corrs = con.execute(
            sa.select(k.identifiant, k.champ, k.nouvelle_valeur).where(k.at >= since).order_by(k.id)
        ).all()
    out: dict[str, dict[str, Any]] = {}

    def slot(ident: str) -> dict[str, Any]:
        return out.setdefault(ident, {"identifiant": ident, "etat": None, "origine": None, "date_notification": None,
                                      "date_demande_reinit_mdp": None, "courriel": None, "telephone_portable": None})

    for r in acts:
        s = slot(r.identifiant)
        s["etat"] = r.etat_apres or s["etat"]
        s["origine"] = r.origine_apres or s["origine"]
        if r.kind in ("notify_letter", "notify_email", "reset"):
            s["date_notification"] = r.at.date()
        if r.kind == "reset":
            s["date_demande_reinit_mdp"] = r.at.date()
    for r in corrs:
        slot(r.identifiant)[r.champ] = r.nouvelle_valeur
    return list(out.values())


def corrections_for(settings: Settings, identifiant: str, compte: dict[str, Any], snap_date: date,
                    snapshot_values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Corrections of an account with their status: en attente / confirmée / non reprise."""
    k = account_correction.c
    with engine(settings).connect() as con:
        rows = con.execute(
            sa.select(account_correction).where(k.identifiant == identifiant).order_by(k.id.desc()).limit(20)
        ).all()
    snapv = snapshot_values or compte
    out = []
    for r in rows:
        if r.at.date() >= snap_date:
            statut = "en attente"
        elif (snapv.get(r.champ) or "") == r.nouvelle_valeur:
            statut = "confirmée"
        else:
            statut = "non reprise par l'annuaire"
        out.append({"at": r.at, "champ": r.champ, "nouvelle_valeur": r.nouvelle_valeur,
                    "ancienne_valeur": r.ancienne_valeur or "", "statut": statut, "login": r.login})
    return out


# ---------------------------------------------------------------------------------------------------------
# Notification and reset


@dataclass(frozen=True)
class Letter:
    """One page of the letters PDF (or one email). `password` is None when no new password was set."""

    identifiant: str
    civilite: str
    nom: str
    prenoms: str
    courriel: str
    enfants: tuple[str, ...]
    etablissement: str
    password: str | None
    valid_until: date


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
    # An active account keeps working when re-notified without a new password; otherwise it waits for activation.
    if etat == "ACTIVE" and not with_password:
        return "ACTIVE", None
    return "NOTIFIE_NON_ACTIVE", "ETABLISSEMENT"


def notify(
    settings: Settings,
    principal: Principal,
    identifiants: Sequence[str],
    channel: str,
    with_password: bool,
    *,
    group: bool = False,
) -> NotifyResult:
    """(Re)notify accounts (re-checked against the scope in SQL). channel: "courrier" (letters) or "courriel"."""
    console.require_console(principal)
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
    if group or len(recips) > 1:
        from queries import ratelimit

        if not ratelimit.hit(settings, f"notify:{principal.user_id}", int(settings["NOTIFY_RATE_LIMIT"]), 3600):
            audit(settings, principal, "notify", outcome="denied", detail={"raison": "limite de notifications groupées"})
            raise ActionRefused("Trop de notifications groupées en une heure : réessayez plus tard.")
    res = NotifyResult(batch=str(uuid.uuid4()))
    now = utcnow()
    valid_until = (now + timedelta(days=LETTER_VALIDITY_DAYS)).date()
    kind = "notify_letter" if channel == "courrier" else "notify_email"
    act_rows: list[dict[str, Any]] = []
    pw_rows: list[dict[str, Any]] = []
    mails: list[tuple[Letter, str]] = []
    for r in recips:
        if r.etat == "DESACTIVE":
            res.skipped_disabled += 1
            continue
        if channel == "courriel" and not r.courriel:
            res.skipped_no_email += 1
            continue
        # Emails draw their password at delivery time (queries.outbox): nothing secret waits in the store.
        pw = new_password() if with_password and channel == "courrier" else None
        etat, origine = _new_state(r.etat, with_password)
        letter = Letter(r.identifiant, r.civilite, r.nom, r.prenoms, r.courriel, r.enfants, r.etablissement, pw,
                        valid_until)
        act_rows.append({"at": now, "user_id": principal.user_id, "login": principal.login, "kind": kind,
                         "identifiant": r.identifiant, "batch": res.batch, "new_password": with_password,
                         "etat_apres": etat, "origine_apres": origine})
        if pw:
            pw_rows.append({"identifiant": r.identifiant, "hash": _hasher.hash(pw), "created_at": now,
                            "expires_at": now + timedelta(days=LETTER_VALIDITY_DAYS), "created_by": principal.login})
        if channel == "courrier":
            res.letters.append(letter)
        else:
            mails.append((letter, r.courriel))
    if not act_rows:
        why = ("aucun des comptes n'a d'adresse électronique" if res.skipped_no_email
               else "les comptes sélectionnés sont désactivés")
        raise ActionRefused(f"Aucune notification possible : {why}.")
    with engine(settings).begin() as con:
        con.execute(console_action.insert(), act_rows)
        if pw_rows:
            con.execute(provisional_password.insert(), pw_rows)
    if mails:
        from queries import outbox

        for letter, to in mails:
            subject, body = letter_email(letter, with_password)
            outbox.enqueue(settings, to, subject, body, identifiant=letter.identifiant, batch=res.batch,
                           created_by=principal.login)
        res.queued = len(mails)
        outbox.kick()
    audit(settings, principal, "notify", targets=[r["identifiant"] for r in act_rows],
          detail={"canal": channel, "nouveau_mot_de_passe": with_password, "nombre": len(act_rows),
                  "lot": res.batch, "ignores_desactives": res.skipped_disabled,
                  "ignores_sans_courriel": res.skipped_no_email})
    return res


def reset_password(settings: Settings, principal: Principal, identifiant: str) -> Letter:
    """Réinitialiser le mot de passe: a new provisional password, handed over in a one-page letter."""
    console.require_console(principal)
    recips = console.recipients(settings, principal, [identifiant])
    if not recips:
        audit(settings, principal, "reset", targets=[str(identifiant)[:100]], outcome="denied")
        raise AccessDenied("Ce compte n'est rattaché à aucun élève de votre périmètre.")
    r = recips[0]
    if r.etat == "DESACTIVE":
        raise ActionRefused("Ce compte est désactivé : son mot de passe ne peut pas être réinitialisé.")
    now = utcnow()
    pw = new_password()
    with engine(settings).begin() as con:
        con.execute(console_action.insert().values(
            at=now, user_id=principal.user_id, login=principal.login, kind="reset", identifiant=r.identifiant,
            batch=str(uuid.uuid4()), new_password=True, etat_apres="NOTIFIE_NON_ACTIVE", origine_apres=None))
        con.execute(provisional_password.insert().values(
            identifiant=r.identifiant, hash=_hasher.hash(pw), created_at=now,
            expires_at=now + timedelta(days=LETTER_VALIDITY_DAYS), created_by=principal.login))
    audit(settings, principal, "reset", targets=[r.identifiant])
    return Letter(r.identifiant, r.civilite, r.nom, r.prenoms, r.courriel, r.enfants, r.etablissement, pw,
                  (now + timedelta(days=LETTER_VALIDITY_DAYS)).date())


def store_provisional_hash(settings: Settings, identifiant: str, password: str, created_by: str | None) -> None:
    now = utcnow()
    with engine(settings).begin() as con:
        con.execute(provisional_password.insert().values(
            identifiant=identifiant, hash=_hasher.hash(password), created_at=now,
            expires_at=now + timedelta(days=LETTER_VALIDITY_DAYS), created_by=created_by))


ACTIVATION_URL = "https://educonnect.education.gouv.fr"


def letter_email(letter: Letter, with_password: bool) -> tuple[str, str]:
    """Subject and body of a notification email; `{mot_de_passe}` is replaced by the sender at delivery."""
    civ = labels.civilite_label(letter.civilite)
    enfants = "\n".join(f"  - {e}" for e in letter.enfants) or "  -"
    if with_password:
        pw = ("Votre mot de passe provisoire : {mot_de_passe}\n"
              f"Il est valable 3 mois, jusqu'au {letter.valid_until:%d/%m/%Y}, et devra être changé à la première connexion.")
    else:
        pw = ("Utilisez le mot de passe que vous avez choisi. Si vous l'avez oublié, cliquez sur "
              "« Mot de passe perdu » sur la page de connexion.")
    body = f"""{civ} {letter.prenoms} {letter.nom},

L'établissement {letter.etablissement} vous communique votre compte EduConnect, qui donne accès aux services
en ligne de la scolarité de vos enfants :
{enfants}

Votre identifiant : {letter.identifiant}
{pw}

Pour activer votre compte :
  1. rendez-vous sur {ACTIVATION_URL} ;
  2. saisissez votre identifiant et votre mot de passe ;
  3. suivez les étapes : choix d'un nouveau mot de passe, confirmation de votre adresse électronique.

Vous pouvez aussi activer votre compte avec FranceConnect ou avec votre numéro de téléphone portable.

Ce message est envoyé automatiquement : merci de ne pas y répondre.
"""
    return "Votre compte EduConnect", body


# ---------------------------------------------------------------------------------------------------------
# Corrections


def normalise_email(value: str) -> str:
    """A valid email (no DNS look-up), normalised; ActionRefused with the reason in French otherwise."""
    v = (value or "").strip()
    if not v:
        raise ActionRefused("Adresse électronique vide.")
    if len(v) > 254:
        raise ActionRefused("Adresse électronique trop longue (254 caractères au plus).")
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
    v = (value or "").strip()
    if not v:
        raise ActionRefused("Numéro de téléphone portable vide.")
    if len(v) > 30:
        raise ActionRefused("Numéro de téléphone portable trop long.")
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
    console.require_console(principal)
    if not console.accounts_in_scope(settings, principal, [identifiant]):
        audit(settings, principal, "correct", targets=[str(identifiant)[:100]], outcome="denied")
        raise AccessDenied("Ce compte n'est rattaché à aucun élève de votre périmètre.")
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
    with engine(settings).begin() as con:
        con.execute(account_correction.insert(), [
            {"at": now, "identifiant": identifiant, "champ": c, "ancienne_valeur": old[:254], "nouvelle_valeur": new,
             "login": principal.login} for c, old, new in changes])
    audit(settings, principal, "correct", targets=[identifiant], detail={"champs": [c for c, _, _ in changes]})
    return [c for c, _, _ in changes]
