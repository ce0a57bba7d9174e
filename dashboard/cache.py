"""Flask-Caching: Redis when REDIS_URL is set, a filesystem cache under DATA_DIR otherwise."""

from __future__ import annotations

from flask import Flask
from flask_caching import Cache

from queries.core.settings import Settings

cache = Cache()


def init_cache(server: Flask, settings: Settings) -> None:
    if settings["REDIS_URL"]:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings["REDIS_URL"]}
    else:
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(settings.cache_dir), "CACHE_THRESHOLD": 5000}
    config["CACHE_DEFAULT_TIMEOUT"] = settings["CACHE_TIMEOUT"]
    config["CACHE_KEY_PREFIX"] = "meteocomptes:"
    cache.init_app(server, config=config)
