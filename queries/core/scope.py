"""Scopes (where) and principals (who). Every data query takes a Principal and filters by its scope in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ScopeError(ValueError):
    """A scope string that cannot be parsed (message in French)."""


class Level(StrEnum):
    ACADEMIE = "academie"
    DEPARTEMENT = "departement"
    CIRCONSCRIPTION = "circonscription"
    ETABLISSEMENT = "etablissement"
    CLASSE = "classe"
    MEF = "mef"


# Column of the establishment dimension (warehouse table etab_h / cur_etab) that a level filters on.
ETAB_COLUMN = {
    Level.ACADEMIE: "academie_code",
    Level.DEPARTEMENT: "departement_code",
    Level.CIRCONSCRIPTION: "circonscription_code",
    Level.ETABLISSEMENT: "uai",
    Level.CLASSE: "uai",
    Level.MEF: "uai",
}

_CODE = re.compile(r"^[0-9A-Za-z_\-]{1,20}$")
_SUB = re.compile(r"^[^:\x00-\x1f]{1,40}$")


@dataclass(frozen=True)
class Scope:
    """`academie:28`, `departement:974`, `circonscription:CODE`, `etablissement:UAI`,
    `classe:UAI:CLASSE`, `mef:UAI:MEF_CODE`."""

    level: Level
    code: str
    sub: str | None = None  # class name or MEF code, for the classe and mef levels

    @classmethod
    def parse(cls, text: str) -> Scope:
        if not isinstance(text, str) or len(text) > 100:
            raise ScopeError("Périmètre illisible.")
        parts = text.split(":", 2)
        try:
            level = Level(parts[0].strip().lower())
        except ValueError:
            raise ScopeError(
                f"Niveau de périmètre inconnu « {parts[0]} » (attendu : "
                + ", ".join(lv.value for lv in Level) + ")."
            ) from None
        need = 3 if level in (Level.CLASSE, Level.MEF) else 2
        if len(parts) != need:
            example = {Level.CLASSE: "classe:UAI:CLASSE", Level.MEF: "mef:UAI:CODE_MEF"}.get(level, f"{level.value}:CODE")
            raise ScopeError(f"Périmètre « {text} » mal formé (attendu : {example}).")
        code = parts[1].strip()
        if not _CODE.match(code):
            raise ScopeError(f"Code « {code} » invalide dans le périmètre.")
        if level in (Level.ETABLISSEMENT, Level.CLASSE, Level.MEF):
            code = code.upper()
        sub = parts[2].strip() if need == 3 else None
        if sub is not None and not _SUB.match(sub):
            raise ScopeError(f"Classe ou MEF « {sub} » invalide dans le périmètre.")
        return cls(level, code, sub)

    def __str__(self) -> str:
        return f"{self.level.value}:{self.code}" + (f":{self.sub}" if self.sub is not None else "")

    @property
    def uai(self) -> str | None:
        return self.code if self.level in (Level.ETABLISSEMENT, Level.CLASSE, Level.MEF) else None

    def etab_predicate(self, alias: str = "e") -> tuple[str, list[str]]:
        """SQL predicate on the establishment dimension selecting this scope's establishments."""
        return f"{alias}.{ETAB_COLUMN[self.level]} = ?", [self.code]


class Role(StrEnum):
    PILOTE = "pilote"
    IEN = "ien"
    CHEF = "chef"
    DELEGUE = "delegue"
    SUPPORT = "support"
    ADMIN = "admin"


# Which scope level a role's own scope must have (None: the role has no data scope).
ROLE_SCOPE_LEVEL: dict[Role, Level | None] = {
    Role.PILOTE: Level.ACADEMIE,
    Role.IEN: Level.CIRCONSCRIPTION,
    Role.CHEF: Level.ETABLISSEMENT,
    Role.DELEGUE: Level.ETABLISSEMENT,
    Role.SUPPORT: Level.ACADEMIE,
    Role.ADMIN: None,
}


@dataclass(frozen=True)
class Principal:
    """Who is asking, resolved on the server from the session (never from the request body)."""

    user_id: int
    login: str
    role: Role
    scope: Scope | None
    display_name: str = ""


class AccessDenied(PermissionError):
    """The principal may not see this scope or object. Callers answer 403 / nothing, and audit it."""
