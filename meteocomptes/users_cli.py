"""`meteocomptes users …`: local account management from the command line (audited as the OS operator)."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from datetime import date

from meteocomptes.cli import operator_login
from queries.core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="Gère les comptes locaux (ajout, désactivation, mot de passe, liste).")
    us = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    a = us.add_parser("add", help="Crée un compte. Mot de passe lu sur l'entrée standard si elle est redirigée, sinon généré et affiché une fois.")
    a.add_argument("login", metavar="IDENTIFIANT")
    a.add_argument("--role", required=True, help="pilote, ien, chef, delegue, support ou admin")
    a.add_argument("--scope", default=None, metavar="PÉRIMÈTRE", help="comme pour « meteocomptes stats » : academie:28, circonscription:CODE, etablissement:UAI")
    a.add_argument("--name", default="", metavar="NOM", help="nom affiché")
    a.set_defaults(func=_add)

    for name, helptext in (("disable", "Désactive un compte (ses sessions prennent fin)."), ("enable", "Réactive un compte.")):
        x = us.add_parser(name, help=helptext)
        x.add_argument("login", metavar="IDENTIFIANT")
        x.set_defaults(func=_set_active, active=(name == "enable"))

    r = us.add_parser("reset-password", help="Nouveau mot de passe (entrée standard si redirigée, sinon généré et affiché une fois).")
    r.add_argument("login", metavar="IDENTIFIANT")
    r.set_defaults(func=_reset)

    lst = us.add_parser("list", help="Liste les comptes.")
    lst.set_defaults(func=_list)

    pg = us.add_parser("purge", help="Supprime les sessions expirées, les compteurs échus et le journal plus ancien que AUDIT_RETENTION_DAYS (à lancer chaque nuit).")
    pg.set_defaults(func=_purge)

    d = us.add_parser("delegate", help="Accorde à un compte délégué l'accès à la console d'un établissement, au nom de son chef.")
    d.add_argument("chef", metavar="CHEF", help="identifiant du chef d'établissement qui délègue")
    d.add_argument("delegue", metavar="DELEGUE", help="identifiant du compte délégué")
    d.add_argument("--until", required=True, metavar="AAAA-MM-JJ", help="date de fin (incluse)")
    d.set_defaults(func=_delegate)


_operator = operator_login


def _refused_exits_2(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """An account operation the store refuses (users.UserError): its French reason on stderr, exit status 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from queries.store.users import UserError

        try:
            return command(args)
        except UserError as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            return 2

    return run


def _read_or_generate_password() -> tuple[str, bool]:
    """(password, generated). Piped stdin: its first line; a terminal: a generated one."""
    from queries.store.users import generate_password

    if not sys.stdin.isatty():
        pw = sys.stdin.readline().rstrip("\r\n")
        if pw:
            return pw, False
    return generate_password(), True


def _settings() -> Settings:
    from queries.store import init_db

    s = Settings.from_env()
    init_db(s)
    return s


@_refused_exits_2
def _add(args: argparse.Namespace) -> int:
    from queries.services import accounts
    from queries.store import audit

    s = _settings()
    password, generated = _read_or_generate_password()
    u = accounts.create_user(s, args.login, args.role, args.scope, args.name, password)
    audit.record(s, _operator(), "user_created", targets=[u.login], detail={"role": u.role.value, "perimetre": str(u.scope or "")})
    print(f"Compte « {u.login} » créé ({u.role.value}{', ' + str(u.scope) if u.scope else ''}).")
    if generated:
        print(f"Mot de passe (affiché une seule fois) : {password}")
    return 0


@_refused_exits_2
def _set_active(args: argparse.Namespace) -> int:
    from queries.store import audit, users

    s = _settings()
    u = users.set_active(s, args.login, args.active)
    audit.record(s, _operator(), "user_enabled" if args.active else "user_disabled", targets=[u.login])
    print(f"Compte « {u.login} » {'réactivé' if args.active else 'désactivé'}.")
    return 0


@_refused_exits_2
def _reset(args: argparse.Namespace) -> int:
    from queries.store import audit, users

    s = _settings()
    password, generated = _read_or_generate_password()
    u = users.set_password(s, args.login, password)
    audit.record(s, _operator(), "user_password_reset", targets=[u.login])
    print(f"Mot de passe de « {u.login} » remplacé ; ses sessions ouvertes sont fermées.")
    if generated:
        print(f"Mot de passe (affiché une seule fois) : {password}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from queries.store import users

    s = _settings()
    rows = users.list_users(s)
    print(f"{'identifiant':<24} {'rôle':<8} {'périmètre':<28} {'état':<10} {'origine':<8} nom")
    for u in rows:
        state = "actif" if u.active else "désactivé"
        print(f"{u.login:<24} {u.role.value:<8} {str(u.scope or '—'):<28} {state:<10} {u.source:<8} {u.display_name}")
    print(f"{len(rows)} compte(s).")
    return 0


@_refused_exits_2
def _delegate(args: argparse.Namespace) -> int:
    from queries.core.scope import Principal
    from queries.services import accounts
    from queries.store import audit, users

    s = _settings()
    try:
        until = date.fromisoformat(args.until)
    except ValueError:
        print("Erreur : date de fin attendue au format AAAA-MM-JJ.", file=sys.stderr)
        return 2
    chef = users.find_user(s, args.chef)
    if chef is None or not chef.active:
        print("Erreur : chef d'établissement introuvable ou désactivé.", file=sys.stderr)
        return 2
    grantor = Principal(chef.id, chef.login, chef.role, chef.scope, chef.display_name)
    d = accounts.grant_delegation(s, grantor, args.delegue, until, date.today())
    audit.record(s, grantor, "delegation_granted", targets=[d.delegate_login],
                 detail={"fin": d.end_date.isoformat(), "par": _operator()})
    print(f"Délégation accordée à « {d.delegate_login} » pour {d.uai} jusqu'au {d.end_date:%d/%m/%Y}.")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from queries.store import audit, ratelimit, users

    s = _settings()
    now = users.utcnow()
    n_sessions = users.purge_sessions(s, now)
    n_counters = ratelimit.purge(s)
    n_audit = audit.purge(s, now)
    print(f"{n_sessions} session(s) expirée(s), {n_counters} compteur(s) échu(s), {n_audit} entrée(s) du journal "
          f"de plus de {s['AUDIT_RETENTION_DAYS']} jours supprimées.")
    return 0
