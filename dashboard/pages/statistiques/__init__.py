"""Page « Statistiques » (MétéoStat): synthesis, evolution, comparison, projection, funnel, « à relancer »."""

from dashboard.pages import Page
from dashboard.pages.statistiques.callbacks import callbacks
from dashboard.pages.statistiques.layout import PATH, layout, skeleton

PAGE = Page(path=PATH, title="Statistiques", allowed=lambda p: p.can_stats, layout=layout,
            register_callbacks=callbacks.register, skeleton=skeleton)
