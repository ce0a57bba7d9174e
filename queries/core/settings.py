"""Every setting, declared once: name, default, help. Read from environment variables.

The README lists them all (tests/test_settings.py fails when one is undocumented).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str
    parse: Callable[[str], Any] = str


def _bool(v: str) -> bool:
    return v.strip().lower() in {"1", "true", "yes", "oui", "on"}


def _csv(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(",") if x.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting("METEOCOMPTES_DATA_DIR", "var", "Dossier des données : entrepôt, base SQLite et cache y vivent sauf réglage contraire."),
    Setting("METEOCOMPTES_WAREHOUSE", None, "Dossier de l'entrepôt DuckDB publié (défaut : DATA_DIR/warehouse)."),
    Setting("DATABASE_URL", None, "Base transactionnelle (SQLAlchemy) : `sqlite:///…` ou `postgresql://…` (défaut : SQLite dans DATA_DIR/meteocomptes.sqlite)."),
    Setting("REDIS_URL", None, "Redis pour le cache et les compteurs partagés ; sans lui, cache sur disque dans DATA_DIR/cache."),
    Setting("SECRET_KEY", None, "Clé de signature des cookies de session. Obligatoire en production ; générée et gardée dans DATA_DIR sinon."),
    Setting("METEOCOMPTES_ACADEMIE_NOM", "La Réunion", "Nom de l'académie affiché dans l'en-tête."),
    Setting("DUCKDB_MEMORY_LIMIT", "1GB", "Mémoire maximale de DuckDB par processus web.", str),
    Setting("DUCKDB_THREADS", "2", "Fils d'exécution DuckDB par processus web.", int),
    Setting("INGEST_MEMORY_LIMIT", "6GB", "Mémoire maximale de DuckDB pendant l'ingestion.", str),
    Setting("INGEST_MAX_DROP", "0.30", "Baisse maximale du nombre de lignes d'une table par rapport à l'instantané précédent avant refus.", float),
    Setting("INGEST_MAX_LINE_BYTES", "65536", "Taille maximale d'une ligne d'un fichier CSV ingéré, en octets (une valeur entre guillemets sur plusieurs lignes compte en entier) : au-delà, le fichier est refusé en nommant la ligne.", int),
    Setting("INGEST_MAX_FIELD_BYTES", "1024", "Taille maximale d'une valeur d'un fichier ingéré, en octets : une ligne dont une valeur dépasse est mise en quarantaine.", int),
    Setting("SMTP_HOST", "localhost", "Serveur SMTP des notifications par courriel."),
    Setting("SMTP_PORT", "25", "Port du serveur SMTP.", int),
    Setting("SMTP_TLS", "none", "Chiffrement SMTP : `none`, `starttls` ou `ssl`."),
    Setting("SMTP_USER", "", "Identifiant SMTP (vide : pas d'authentification)."),
    Setting("SMTP_PASSWORD", "", "Mot de passe SMTP."),
    Setting("SMTP_FROM", "ne-pas-repondre@ac-reunion.fr", "Expéditeur des courriels de notification."),
    Setting("MAIL_SINK_DIR", "", "Démonstration : dossier où chaque courriel est écrit en fichier `.eml` au lieu d'être envoyé par SMTP (`meteocomptes demo` le règle sur DATA_DIR/courriels ; la page « Courriels envoyés (démo) » les montre au support). Vide : envoi SMTP. Jamais en production : les fichiers contiennent les mots de passe provisoires."),
    Setting("PAGE_SIZE", "100", "Lignes par page de la grille des responsables (modèle infini).", int),
    Setting("EXPORT_MAX_ROWS", "100000", "Lignes maximales d'un export CSV ou PDF.", int),
    Setting("SESSION_IDLE_MINUTES", "30", "Durée d'inactivité avant expiration de la session.", int),
    Setting("SESSION_MAX_HOURS", "12", "Durée absolue maximale d'une session.", int),
    Setting("LOGIN_MAX_FAILURES", "5", "Échecs de connexion tolérés par compte avant blocage temporaire (par adresse IP : quatre fois plus, car un établissement partage souvent une adresse).", int),
    Setting("LOGIN_LOCK_MINUTES", "15", "Durée du blocage après trop d'échecs.", int),
    Setting("TRUSTED_HEADER_AUTH", "false", "Active l'authentification par en-têtes posés par le portail (mandataire inverse).", _bool),
    Setting("TRUSTED_PROXIES", "", "Adresses IP des mandataires dont les en-têtes d'identité sont acceptés (séparées par des virgules).", _csv),
    Setting("TRUSTED_USER_HEADER", "X-Remote-User", "En-tête portant l'identifiant de l'utilisateur."),
    Setting("TRUSTED_PROFILE_HEADER", "X-Remote-Profile", "En-tête portant le profil (rôle et périmètre) de l'utilisateur."),
    Setting("EXPORT_RATE_LIMIT", "30", "Exports maximum par utilisateur et par heure.", int),
    Setting("NOTIFY_RATE_LIMIT", "20", "Notifications groupées maximum par utilisateur et par heure.", int),
    Setting("AUDIT_RETENTION_DAYS", "365", "Durée de conservation du journal d'audit.", int),
    Setting("CACHE_TIMEOUT", "600", "Durée de vie des résultats en cache (secondes).", int),
    Setting("HOST", "127.0.0.1", "Adresse d'écoute du serveur de démonstration."),
    Setting("PORT", "8050", "Port d'écoute du serveur.", int),
    Setting("WEB_CONCURRENCY", "2", "Processus gunicorn servant l'application (`meteocomptes serve`, `Procfile`) ; `--workers` l'emporte.", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with `Settings.from_env()`; override in tests with `Settings.from_env(X=...)`."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for s in SETTINGS:
            raw = env.get(s.name, s.default)
            values[s.name] = None if raw is None else s.parse(raw)
        for k, v in overrides.items():
            if k not in _BY_NAME:
                raise KeyError(f"réglage inconnu : {k}")
            values[k] = v
        return cls(values)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["METEOCOMPTES_DATA_DIR"]).resolve()

    @property
    def warehouse_dir(self) -> Path:
        wh = self.values["METEOCOMPTES_WAREHOUSE"]
        return Path(wh).resolve() if wh else self.data_dir / "warehouse"

    @property
    def database_url(self) -> str:
        return self.values["DATABASE_URL"] or f"sqlite:///{self.data_dir / 'meteocomptes.sqlite'}"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    def secret_key(self) -> str:
        key = self.values["SECRET_KEY"]
        if key:
            return key
        path = self.data_dir / "secret_key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}")
            tmp.write_text(secrets.token_urlsafe(48))
            os.chmod(tmp, 0o600)
            try:  # link fails if another worker won the race: everyone then reads the same key
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()


def markdown_table() -> str:
    """The README's settings table (`python -m queries.core.settings`)."""
    lines = ["| Variable | Défaut | Rôle |", "|---|---|---|"]
    for s in SETTINGS:
        default = "—" if s.default is None else f"`{s.default}`" if s.default != "" else "(vide)"
        lines.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
