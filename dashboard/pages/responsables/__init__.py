"""Page « Responsables »: the console (search, account detail, notifications, reset, corrections, exports)."""

from dashboard.pages import Page
from dashboard.pages.responsables.callbacks import callbacks
from dashboard.pages.responsables.layout import PATH, layout, skeleton
from queries.core import authz
from queries.core.authz import Action

PAGE = Page(path=PATH, title="Responsables", allowed=lambda p: authz.allowed(p, Action.CONSOLE), layout=layout,
            register_callbacks=callbacks.register, skeleton=skeleton)
