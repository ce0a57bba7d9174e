"""Page « Responsables »: the console (search, account detail, notifications, reset, corrections, exports)."""

from dashboard.pages import Page
from dashboard.pages.responsables.callbacks import register_callbacks
from dashboard.pages.responsables.layout import PATH, layout, skeleton

PAGE = Page(path=PATH, title="Responsables", allowed=lambda p: p.can_console, layout=layout,
            register_callbacks=register_callbacks, skeleton=skeleton)
