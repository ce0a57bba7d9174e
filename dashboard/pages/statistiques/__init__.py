"""Page « Statistiques » (MétéoStat): synthesis, evolution, comparison, projection, funnel, « à relancer »."""

from dashboard.pages import Page
from dashboard.pages.statistiques.callbacks import callbacks
from dashboard.pages.statistiques.layout import layout, skeleton
from dashboard.pages.statistiques.view import PATH
from queries.core import authz
from queries.core.authz import Action

PAGE = Page(path=PATH, title="Statistiques", allowed=lambda p: authz.allowed(p, Action.STATS), layout=layout,
            register_callbacks=callbacks.register, skeleton=skeleton)
