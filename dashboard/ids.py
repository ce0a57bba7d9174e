"""Component ids of the application shell."""

from enum import StrEnum


class Shell(StrEnum):
    URL = "shell-url"
    NAV = "shell-nav"
    CONTENT = "shell-content"
    RENDERED = "shell-rendered"  # dcc.Store: the address whose screen the layout was served with
    DATA_DATE = "shell-data-date"
    USER = "shell-user"
    USER_MENU = "shell-user-menu"  # the same links inside the burger menu (below 992 px)
    MENU = "shell-menu"  # the DSFR modal holding the navigation on phones and tablets
    MENU_BUTTON = "shell-menu-button"
