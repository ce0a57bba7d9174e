"""Cached, remit-checked reads of « Statistiques », shared by the page's callbacks and its exports.

No Dash here: the callbacks turn these values into figures and tables, `dashboard.exports_stats` into CSV and
PDF. Cached values are keyed by the published warehouse file (a new publication invalidates them) and by the
requested scope and view, which determine the answer once the remit check (`checked`) has passed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.cache import cache
from dashboard.pages.statistiques.view import View
from queries import warehouse
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.warehouse import stats, stats_series


def _code_version() -> str:
    """Digest of this page's and the queries' source: a deployment with new code never reads stale renders."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")) + [Path(stats_series.__file__), Path(stats.__file__)]:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


CODE_VERSION = _code_version()


def _wh_key(settings: Settings) -> str:
    target = warehouse.current_target(settings.warehouse_dir)
    if target is None:
        raise warehouse.WarehouseUnavailable("Aucun entrepôt publié.")
    try:
        st = target.stat()
    except FileNotFoundError as exc:
        raise warehouse.WarehouseUnavailable("Entrepôt introuvable.") from exc
    return f"{target.name}:{st.st_mtime_ns}"


def cached(settings: Settings, name: str, fn: Callable[[], Any], *key: Any) -> Any:
    """`fn()` through Flask-Caching, keyed by the warehouse file and `key`. Call only after `checked`."""
    raw = json.dumps([CODE_VERSION, _wh_key(settings), name, *[str(k) for k in key]], ensure_ascii=False)
    k = "stats:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    try:
        hit = cache.get(k)
    except Exception:  # noqa: BLE001 - a broken cache backend must not break the page
        hit = None
    if hit is not None:
        return hit
    value = fn()
    try:
        cache.set(k, value)
    except Exception:  # noqa: BLE001, S110
        pass
    return value


def checked(settings: Settings, principal: Principal, view: View) -> tuple[stats_series.ScopeInfo, date]:
    """Remit check in SQL for this principal's scope (cached per principal scope and role, never across)."""
    # Uncached and first: an unknown scope and one outside the remit take the same path (no existence oracle,
    # not even through the timing of the shared cov/asof cache).
    stats_series.require_visible(settings, principal, view.scope)
    cov = cached(settings, "cov", lambda: stats_series.cov_of(settings, view.scope), view.scope)
    s = cached(settings, "asof", lambda: stats_series.asof(settings, view.date, cov), view.date, cov)
    info = cached(
        settings,
        "check",
        lambda: stats_series.check_scope(settings, principal, view.scope, s),
        principal.role.value,
        principal.scope,
        view.scope,
        s,
    )
    return info, s


def file_stem(view: View, what: str, s: date) -> str:
    """Download name (without extension) of a chart or an export of this view at data date `s`."""
    return f"meteocomptes_{what}_{str(view.scope).replace(':', '-').replace(' ', '')}_{s.isoformat()}"


def date_range(settings: Settings, view: View, s: date) -> tuple[date, date]:
    """The view's period, by default from the rentrée (first ingested date of the school year) to `s`."""
    cov = cached(settings, "cov", lambda: stats_series.cov_of(settings, view.scope), view.scope)
    ds = cached(settings, "dates", lambda: stats_series.dates(settings, cov), cov)
    start = stats_series.rentree(s)
    default_from = next((d for d in ds if start <= d <= s), s)
    return view.d_from or default_from, view.d_to or s


def evolution(
    settings: Settings, principal: Principal, view: View, s: date
) -> tuple[pd.DataFrame, date, date]:
    d_from, d_to = date_range(settings, view, s)
    df = cached(
        settings,
        "evolution",
        lambda: stats_series.evolution(settings, principal, view.scope, view.degre, d_from, d_to),
        view.scope,
        view.degre,
        d_from,
        d_to,
    )
    return df, d_from, d_to


def projection(
    settings: Settings, principal: Principal, view: View, s: date
) -> tuple[stats_series.Projection, pd.DataFrame]:
    """The activation-rate projection to the view's target (in 4 weeks by default), and the observed rates."""
    start = stats_series.rentree(s)
    df = cached(
        settings,
        "evolution-year",
        lambda: stats_series.evolution(settings, principal, view.scope, view.degre, start, s),
        view.scope,
        view.degre,
        start,
        s,
    )
    r = stats_series.rate_series(df)
    target = view.cible if view.cible and view.cible > s else s + timedelta(weeks=4)
    return stats_series.projection(r, target), r


def children(
    settings: Settings, principal: Principal, view: View, info: stats_series.ScopeInfo, s: date
) -> tuple[pd.DataFrame, float | None]:
    """Sub-scopes compared, and the académie median of their level when there is a single level."""
    ch = cached(
        settings,
        "children",
        lambda: stats_series.children(settings, principal, view.scope, view.degre, s, view.par),
        view.scope,
        view.degre,
        s,
        view.par,
    )
    specs = stats_series.child_spec(view.scope, view.degre, view.par)
    median = None
    if len(specs) == 1:
        sp = specs[0]
        median = cached(
            settings,
            "median",
            lambda: stats_series.academie_median(
                settings, principal, sp.level, info.academie, s, sp.filter_degre, view.degre
            ),
            sp.level,
            info.academie,
            s,
            sp.filter_degre,
            view.degre,
        )
    return ch, median
