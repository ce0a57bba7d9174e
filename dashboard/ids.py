"""Component ids of the application shell."""

from enum import StrEnum


class Shell(StrEnum):
    URL = "shell-url"
    NAV = "shell-nav"
    CONTENT = "shell-content"
    DATA_DATE = "shell-data-date"
    USER = "shell-user"
