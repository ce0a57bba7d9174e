"""Component ids of the « Responsables » console (one enum: a typo is an AttributeError, not a dead callback)."""

from enum import StrEnum

GRID_TYPE = "resp-grid"  # pattern-matching id {"type": GRID_TYPE, "gen": n}: a new search mounts a new grid


class Ids(StrEnum):
    URL = "resp-url"  # page-local dcc.Location (refresh=False): filters go to the URL without re-rendering
    Q = "resp-q"
    UAI = "resp-uai"  # establishment filter (shown to principals wider than one establishment)
    CLASSES = "resp-classes"
    ETATS = "resp-etats"
    ORIGINES = "resp-origines"
    MAIL = "resp-mail"
    MOBILE = "resp-mobile"
    SEARCH = "resp-search"
    COUNT = "resp-count"
    SCOPE = "resp-scope"
    GRID_HELP = "resp-grid-help"
    GRID_WRAP = "resp-grid-wrap"
    MESSAGE = "resp-message"
    DOWNLOAD = "resp-download"
    EXPORT_CSV = "resp-export-csv"
    EXPORT_PDF = "resp-export-pdf"
    G_TARGET = "resp-g-target"
    G_CHANNEL = "resp-g-channel"
    G_NEWPW = "resp-g-newpw"  # new password for the accounts not yet activated
    G_NEWPW_ACTIVE = "resp-g-newpw-active"  # … and for those activated or activating (unticked by default)
    G_OPEN = "resp-g-open"
    # Confirmation dialog of the actions that change a guardian's access (confirm.py)
    CONFIRM = "resp-confirm"
    CONFIRM_TITLE = "resp-confirm-title"
    CONFIRM_BODY = "resp-confirm-body"
    CONFIRM_OK = "resp-confirm-ok"
    CONFIRM_CANCEL = "resp-confirm-cancel"
    CONFIRM_CLOSE = "resp-confirm-close"
    CONFIRM_TOKEN = "resp-confirm-token"  # dcc.Store: {"token": opaque single-use token, "origin": detail|group}
    CURRENT = "resp-current"  # dcc.Store: opaque row id (hash) of the open account, re-checked by the server
    DETAIL = "resp-detail"
    DETAIL_BODY = "resp-detail-body"
    D_TITLE = "resp-detail-title"  # the panel's heading: receives the focus when an account opens
    D_HINT = "resp-d-hint"  # shown while no account is open
    D_CONTENT = "resp-d-content"  # everything else of the panel, hidden while no account is open
    D_CHANNEL = "resp-d-channel"
    D_NEWPW = "resp-d-newpw"
    D_NOTIFY = "resp-d-notify"
    D_RESET = "resp-d-reset"
    D_EMAIL = "resp-d-email"
    D_MOBILE = "resp-d-mobile"
    D_SAVE = "resp-d-save"
    D_DIAG = "resp-d-diag"
    D_DIAG_OUT = "resp-d-diag-out"
    D_MSG = "resp-d-msg"
    D_CLOSE = "resp-d-close"
