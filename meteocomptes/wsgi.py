"""gunicorn target: `gunicorn 'meteocomptes.wsgi:server'`. Builds the app from the environment.

Creating the app opens no DuckDB connection: each worker opens its own, read-only, on first use.
"""

from dashboard.app import create_app
from queries.core.settings import Settings

app = create_app(Settings.from_env())
server = app.server
