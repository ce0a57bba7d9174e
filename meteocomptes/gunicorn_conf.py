"""gunicorn settings derived from ours (`gunicorn -c python:meteocomptes.gunicorn_conf …`: Procfile and serve).

`forwarded_allow_ips`: the peers whose X-Forwarded-Proto (and -Protocol, -Ssl) gunicorn believes when it sets
`wsgi.url_scheme`. gunicorn's default trusts 127.0.0.1 (or the FORWARDED_ALLOW_IPS variable); ours is
TRUSTED_PROXIES, the same list the application uses for X-Forwarded-For/-Host and the portal's headers. Empty
TRUSTED_PROXIES: no peer is trusted, and a local client cannot pass for HTTPS.

`workers`: WEB_CONCURRENCY, read through our settings (default 2) rather than by gunicorn itself (default 1);
a `--workers` on the command line (`meteocomptes serve --workers N`) still wins over this file.
"""

from queries.core.settings import Settings

_settings = Settings.from_env()
forwarded_allow_ips = ",".join(_settings["TRUSTED_PROXIES"])
workers = _settings["WEB_CONCURRENCY"]
