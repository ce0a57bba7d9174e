"""Confirmation dialog of the console's actions that change a guardian's access: (re)notify, reset the password,
group notification. The server prepares the action (queries.services.actions.prepare) and keeps it under a single-use
token; this module lays out the DSFR modal and states, in French, each account's state, last login and what the
action will do to it. The modal is a native <dialog> opened with showModal() (assets/dashAgGridFunctions.js):
the focus moves into it, the page behind is inert, Escape and « Annuler » close it, and the focus returns to the
button that opened it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from dash import html

from dashboard.pages.responsables.ids import Ids
from queries.services.actions import OWN_PASSWORD_STATES, AccountState, Pending

# État → (singular, plural) as the dialog says it in a count: « 2 activés ».
STATES_IN_COUNT: dict[str, tuple[str, str]] = {
    "ACTIVE": ("activé", "activés"),
    "EN_COURS_ACTIVATION": ("en cours d'activation", "en cours d'activation"),
    "NOTIFIE_NON_ACTIVE": ("notifié et non activé", "notifiés et non activés"),
    "NON_NOTIFIE": ("non notifié", "non notifiés"),
    "DESACTIVE": ("désactivé : ignoré", "désactivés : ignorés"),
}


def dialog() -> html.Dialog:
    """The (single) confirmation modal, DSFR markup; its title and text are filled by the prepare callback."""
    return html.Dialog(
        html.Div(html.Div(html.Div(html.Div([
            html.Div(html.Button("Fermer", id=Ids.CONFIRM_CLOSE, n_clicks=0, title="Fermer la fenêtre",
                                 className="fr-btn--close fr-btn", **{"aria-controls": Ids.CONFIRM}),
                     className="fr-modal__header"),
            html.Div([html.H1(id=Ids.CONFIRM_TITLE, className="fr-modal__title"), html.Div(id=Ids.CONFIRM_BODY)],
                     className="fr-modal__content"),
            html.Div(html.Ul([
                html.Li(html.Button("Confirmer", id=Ids.CONFIRM_OK, n_clicks=0, className="fr-btn")),
                html.Li(html.Button("Annuler", id=Ids.CONFIRM_CANCEL, n_clicks=0,
                                    className="fr-btn fr-btn--secondary")),
            ], className="fr-btns-group fr-btns-group--right fr-btns-group--inline-reverse fr-btns-group--inline-lg"),
                className="fr-modal__footer"),
        ], className="fr-modal__body"), className="fr-col-12 fr-col-md-10 fr-col-lg-8"),
            className="fr-grid-row fr-grid-row--center"), className="fr-container fr-container--fluid fr-container-md"),
        id=Ids.CONFIRM, className="fr-modal", role="dialog",
        **{"aria-labelledby": Ids.CONFIRM_TITLE, "aria-describedby": Ids.CONFIRM_BODY, "aria-modal": "true"},
    )


def _d(v: date | None) -> str:
    return f"{v:%d/%m/%Y}" if isinstance(v, date) else ""


def last_login(a: AccountState) -> str:
    d = _d(a.date_derniere_connexion)
    return f"dernière connexion le {d}" if d else "aucune connexion enregistrée"


def state_sentence(a: AccountState) -> str:
    """« Ce compte est activé ; dernière connexion le 02/11/2026. »"""
    if a.etat == "ACTIVE":
        head = "Ce compte est activé"
    elif a.etat == "EN_COURS_ACTIVATION":
        head = ("Ce compte est en cours d'activation (le responsable a choisi son mot de passe, son adresse "
                "électronique n'est pas encore confirmée)")
    elif a.etat == "NOTIFIE_NON_ACTIVE":
        when = _d(a.date_notification)
        head = f"Ce compte a été notifié{' le ' + when if when else ''} et n'est pas encore activé"
    elif a.etat == "NON_NOTIFIE":
        head = "Ce compte n'a jamais été notifié"
    else:
        head = "Ce compte est désactivé"
    return f"{head} ; {last_login(a)}."


def _single(p: Pending) -> tuple[str, list[Any]]:
    a = p.accounts[0]
    own = a.etat in OWN_PASSWORD_STATES
    doc, of_doc = ("le courriel", "du courriel") if p.channel == "courriel" else ("le courrier", "du courrier")
    after = ("Le compte repassera à l'état « Notifié et non activé »." if own
             else "Le compte sera à l'état « Notifié et non activé ».")
    if p.action == "reset":
        title = f"Réinitialiser le mot de passe du compte {a.identifiant} ?"
        if own:
            what = ("Réinitialiser son mot de passe empêchera le responsable de se connecter avec son mot de passe "
                    "actuel : il devra utiliser le mot de passe provisoire du courrier de réinitialisation, puis en "
                    f"choisir un nouveau. {after}")
        else:
            what = ("Un nouveau mot de passe provisoire, valable 3 mois, sera produit dans un courrier de "
                    "réinitialisation" + (" ; celui du courrier précédent ne fonctionnera plus" if a.etat ==
                                          "NOTIFIE_NON_ACTIVE" else "") + ".")
    else:
        title = f"(Re)notifier le compte {a.identifiant} ?"
        if own and p.active_passwords:
            what = ("Le renotifier avec un nouveau mot de passe provisoire empêchera le responsable de se connecter "
                    f"avec son mot de passe actuel : il devra utiliser celui {of_doc}, puis en choisir un nouveau. "
                    f"{after}")
        elif own:
            what = (f"Sans nouveau mot de passe, {doc} rappellera seulement son identifiant : son mot de passe "
                    "actuel reste valable et l'état du compte ne change pas.")
        elif p.with_password:
            what = ("Un mot de passe provisoire, valable 3 mois, sera produit" + (
                " ; il remplacera celui du courrier précédent, qui ne fonctionnera plus" if a.etat ==
                "NOTIFIE_NON_ACTIVE" else "") + f". {after}")
        else:
            what = f"Aucun mot de passe ne sera produit : {doc} rappellera seulement l'identifiant. {after}"
    how = ("Le courrier (PDF) sera téléchargé : remettez-le en main propre au responsable." if p.channel == "courrier"
           else "Le courriel sera envoyé à l'adresse électronique du compte.")
    locks = own and (p.action == "reset" or p.active_passwords)
    return title, [html.P(state_sentence(a)), _consequence(what, locks), html.P(how, className="fr-text--sm")]


def _consequence(text: str, warning: bool) -> Any:
    if warning:
        return html.Div(html.P(text), className="fr-alert fr-alert--warning fr-alert--sm fr-mb-2w")
    return html.P(text)


def _count(n: int, etat: str) -> str:
    one, many = STATES_IN_COUNT.get(etat, (etat, etat))
    return f"{n} {one if n == 1 else many}"


def _group(p: Pending, target_label: str) -> tuple[str, list[Any]]:
    n = len(p.accounts)
    by_state = Counter(a.etat for a in p.accounts)
    items = []
    for etat in STATES_IN_COUNT:
        k = by_state.get(etat, 0)
        if not k:
            continue
        text = _count(k, etat)
        logins = [a.date_derniere_connexion for a in p.accounts if a.etat == etat and a.date_derniere_connexion]
        if etat in OWN_PASSWORD_STATES and logins:
            text += f" — dernière connexion la plus récente le {_d(max(logins))}"
        items.append(html.Li(text))
    if p.channel == "courriel":
        no_mail = sum(1 for a in p.accounts if not a.has_email and a.etat != "DESACTIVE")
        if no_mail:
            items.append(html.Li(f"{no_mail} sans adresse électronique : ignoré{'s' if no_mail > 1 else ''}"))
    how = "par courriers imprimables (un seul PDF)" if p.channel == "courrier" else "par courriel"
    own = sum(by_state.get(e, 0) for e in OWN_PASSWORD_STATES)
    others = sum(v for e, v in by_state.items() if e not in OWN_PASSWORD_STATES and e != "DESACTIVE")
    parts: list[Any] = [html.P(f"{n} compte{'s' if n > 1 else ''} ({target_label}), {how} :"), html.Ul(items)]
    if others:
        parts.append(html.P(
            f"Nouveau mot de passe provisoire, valable 3 mois, pour les {others} compte{'s' if others > 1 else ''} "
            "pas encore activé" + ("s" if others > 1 else "") + "." if p.with_password else
            f"Pas de nouveau mot de passe pour les {others} compte{'s' if others > 1 else ''} pas encore activé"
            + ("s" if others > 1 else "") + " : leur courrier ne contiendra que l'identifiant."))
    locks = bool(own and p.active_passwords)
    if own:
        s = "s" if own > 1 else ""
        parts.append(_consequence(
            f"Les {own} compte{s} activé{s} ou en cours d'activation recevront aussi un nouveau mot de passe "
            "provisoire : leurs responsables ne pourront plus se connecter avec leur mot de passe actuel, et ces "
            "comptes repasseront à l'état « Notifié et non activé »." if locks else
            f"Les {own} compte{s} activé{s} ou en cours d'activation gardent leur mot de passe : leur courrier "
            "rappelle seulement l'identifiant.", locks))
    return f"(Re)notifier {n} compte{'s' if n > 1 else ''} ?", parts


def describe(p: Pending, target_label: str = "") -> tuple[str, list[Any]]:
    """Title and body of the dialog for a prepared action."""
    return _group(p, target_label) if p.group else _single(p)
