"""The Journal as its readers see it: the store's log (who reads what is decided in SQL by
queries.store.audit.visibility), repeated searches folded, each entry told as a French sentence
(queries.core.journal_text) with the perimeters named from the warehouse — for the page's grid and its CSV alike.

Below the académie (a head), the log must not become a window on other establishments: the ids it names that are
outside the reader's scope are withheld (a refused attempt may name them), and so is the detail of a refused
event, which may echo what was tried. The académie reads every id except a record of another académie that a
diagnostic matched (« record@UAI »). Account-management events name staff logins, shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from queries import warehouse
from queries.core import clock
from queries.core.journal_text import (
    HIDDEN_DETAIL,
    OUTCOME_LABELS,
    Event,
    default_place,
    parse_detail,
    scopes_in,
    sentence,
    when,
)
from queries.core.scope import Level, Principal, Role
from queries.core.settings import Settings
from queries.core.vocab import role_label
from queries.services import console
from queries.store import audit
from queries.warehouse import catalog

DEFAULT_DAYS = 7
MAX_PAGE = 500
HIDDEN_TARGET = "(hors périmètre)"

# The CSV: the sentence, then the raw columns a data protection officer asks for.
CSV_COLUMNS = (
    ("date", "Date"),
    ("login", "Utilisateur"),
    ("role", "Rôle"),
    ("action", "Action"),
    ("entree", "Entrée"),
    ("perimetre", "Périmètre"),
    ("uai", "Établissement (UAI)"),
    ("cibles", "Comptes ou élèves concernés"),
    ("detail", "Détail technique"),
    ("resultat", "Résultat"),
    ("occurrences", "Occurrences"),
    ("premiere", "Première occurrence"),
    ("ip", "Adresse IP"),
)


def _day(v: Any) -> date | None:
    try:
        return date.fromisoformat(str(v)[:10]) if isinstance(v, str) and v else None
    except ValueError:
        return None


def _text(v: Any, n: int) -> str | None:
    return v.strip()[:n] if isinstance(v, str) and v.strip() else None


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the Journal to. Built from what the browser sent, every value checked."""

    since: date | None = None
    until: date | None = None
    login: str | None = None
    action: str | None = None
    target: str | None = None
    outcome: str | None = None

    @classmethod
    def build(
        cls,
        since: Any = None,
        until: Any = None,
        login: Any = None,
        action: Any = None,
        target: Any = None,
        outcome: Any = None,
    ) -> Filters:
        return cls(
            since=_day(since),
            until=_day(until),
            login=_text(login, 64),
            action=action if isinstance(action, str) and action in audit.ACTION_LABELS else None,
            target=_text(target, 100),
            outcome=outcome if outcome in audit.OUTCOMES else None,
        )

    @classmethod
    def default(cls, today: date | None = None) -> Filters:
        """The last seven days (today included)."""
        return cls(since=(today or clock.today()) - timedelta(days=DEFAULT_DAYS - 1))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Filters:
        """From a URL's or a grid context's values; no `since` at all means the default period."""
        f = cls.build(
            d.get("since"), d.get("until"), d.get("login"), d.get("action"), d.get("target"), d.get("outcome")
        )
        return replace(f, since=cls.default().since) if "since" not in d else f

    def as_dict(self) -> dict[str, str]:
        """Every key present (an empty `since` is « no start », not « the default »)."""
        return {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "login": self.login or "",
            "action": self.action or "",
            "target": self.target or "",
            "outcome": self.outcome or "",
        }

    def store_filter(self) -> audit.Filter:
        """Paris days → the store's naive UTC bounds."""

        def utc(d: date) -> datetime:
            return datetime.combine(d, time.min, clock.PRODUCT_TZ).astimezone(UTC).replace(tzinfo=None)

        return audit.Filter(
            since=utc(self.since) if self.since else None,
            until=utc(self.until + timedelta(days=1)) if self.until else None,
            login=self.login,
            action=self.action,
            target=self.target,
            outcome=self.outcome,
        )


def _scoped(principal: Principal) -> bool:
    """Below the académie: a head (its establishment)."""
    return principal.scope is not None and principal.scope.level is not Level.ACADEMIE


def _store_filter(settings: Settings, principal: Principal, f: Filters) -> audit.Filter:
    """The filter as the store applies it. An account id the reader may not see (another establishment's) only
    matches account-management events, whose targets are staff logins: filtering on it tells nothing that the
    page would hide."""
    sf = f.store_filter()
    if f.target and principal.role is not Role.ADMIN and principal.scope is not None:
        try:
            if _scoped(principal):
                visible = bool(console.ids_in_scope(settings, principal, [f.target]))
            elif "@" in f.target:
                visible = bool(console.uais_in_scope(settings, principal, [f.target.rpartition("@")[2]]))
            else:
                visible = True
        except warehouse.WarehouseUnavailable:
            visible = False
        if not visible:
            sf = replace(sf, only_actions=tuple(sorted(audit.ACCOUNT_ACTIONS)))
    return sf


def count(settings: Settings, principal: Principal, f: Filters) -> int:
    return audit.count_grouped(settings, principal, _store_filter(settings, principal, f))


def logins(settings: Settings, principal: Principal, f: Filters) -> list[str]:
    return audit.logins(settings, principal, _store_filter(settings, principal, f))


def page(settings: Settings, principal: Principal, f: Filters, start: int, n: int) -> list[dict[str, Any]]:
    """Rows `start`…`start + n` of the grid, newest first (`count` gives the total)."""
    sf = _store_filter(settings, principal, f)
    entries = audit.grouped(settings, principal, sf, offset=max(0, start), limit=max(1, min(n, MAX_PAGE)))
    return _rows(settings, principal, entries)


def export_rows(settings: Settings, principal: Principal, f: Filters, cap: int) -> list[dict[str, Any]]:
    """The same entries as the page, all of them up to `cap`, with the raw columns (CSV_COLUMNS)."""
    sf = _store_filter(settings, principal, f)
    entries = audit.grouped(settings, principal, sf, offset=0, limit=max(1, cap))
    return _rows(settings, principal, entries, raw=True)


def _shown_targets(settings: Settings, principal: Principal, entries: list[audit.Entry]) -> Any:
    """A predicate (entry, target) → may the reader see this id?"""
    scoped = _scoped(principal)
    visible: set[str] = set()
    uais: set[str] = set()
    data_targets = [t for e in entries if e.action not in audit.ACCOUNT_ACTIONS for t in e.targets]
    try:
        if scoped:
            visible = console.ids_in_scope(settings, principal, data_targets)
        elif principal.scope is not None:
            uais = console.uais_in_scope(
                settings, principal, [t.rpartition("@")[2] for t in data_targets if "@" in t]
            )
    except warehouse.WarehouseUnavailable:
        visible, uais = set(), set()

    def shown(e: audit.Entry, t: str) -> bool:
        if e.action in audit.ACCOUNT_ACTIONS or principal.scope is None:
            return True
        if scoped:
            return t in visible
        return "@" not in t or t.rpartition("@")[2] in uais

    return shown


def _places(settings: Settings, principal: Principal, entries: list[audit.Entry]) -> Any:
    """A look-up scope text → French name, naming only perimeters inside the reader's remit (any, for the admin,
    who reads staff accounts' perimeters and no data)."""
    wanted: set[str] = set()
    for e in entries:
        wanted |= {s for s in (e.scope, e.actor_scope) if s}
        if not e.detail:
            continue
        dd = parse_detail(e.detail)
        if isinstance(dd.get("perimetre"), str):
            wanted.add(dd["perimetre"])
        if isinstance(dd.get("uai"), str):
            wanted.add(f"etablissement:{dd['uai']}")
        wanted.update(scopes_in(dd.get("raison")), scopes_in(dd.get("texte")))  # a refusal's reason names some
    names = catalog.scope_names(settings, wanted, principal.scope) if wanted else {}

    def place(scope: str | None) -> str:
        return names.get(scope or "") or default_place(scope)

    return place


def _rows(
    settings: Settings, principal: Principal, entries: list[audit.Entry], raw: bool = False
) -> list[dict[str, Any]]:
    shown = _shown_targets(settings, principal, entries)
    place = _places(settings, principal, entries)
    scoped = _scoped(principal)
    out = []
    for e in entries:
        ok = [t for t in e.targets if shown(e, t)]
        hidden = scoped and e.outcome != "ok"
        ev = Event(
            at=e.at,
            action=e.action,
            outcome=e.outcome,
            login=e.login,
            name=e.name,
            role=e.role,
            actor_scope=e.actor_scope,
            scope=e.scope,
            targets=ok,
            hidden_targets=len(e.targets) - len(ok),
            detail=e.detail,
            detail_hidden=hidden,
            count=e.count,
            first_at=e.first_at,
        )
        label = audit.ACTION_LABELS.get(e.action, e.action)
        row = {
            "id": e.id,
            "date": when(e.at),
            "login": e.login or "",
            "action": label,
            "entree": sentence(ev, label, place),
            "resultat": OUTCOME_LABELS.get(e.outcome, e.outcome),
        }
        if raw:
            row.update(
                {
                    "role": role_label(e.role),  # the one raw column that has a word for each code
                    "perimetre": e.scope or "",
                    "uai": e.uai or "",
                    "cibles": ", ".join(t if shown(e, t) else HIDDEN_TARGET for t in e.targets),
                    "detail": f"Tentative refusée ({HIDDEN_DETAIL})." if hidden else (e.detail or ""),
                    "occurrences": e.count,
                    "premiere": when(e.first_at) if e.first_at else "",
                    "ip": e.ip or "",
                }
            )
        out.append(row)
    return out
