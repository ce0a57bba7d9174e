"""The shape we want, checked: one way in (queries/ for databases), one way out (dashboard/ for Dash)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("meteocomptes", "dashboard", "queries", "data")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield pkg, path


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("dash", {"dashboard"}),
        ("dash_ag_grid", {"dashboard"}),
        ("duckdb", {"queries"}),
        ("sqlalchemy", {"queries"}),
        ("psycopg", {"queries"}),
    ],
)
def test_library_is_imported_only_by_its_layer(library, allowed):
    offenders = [
        str(path.relative_to(ROOT)) for pkg, path in _modules() if pkg not in allowed and library in _imports(path)
    ]
    assert not offenders, f"{library} importé hors de {allowed} : {offenders}"


def test_creating_the_app_opens_no_duckdb_connection(tmp_path):
    from dashboard.app import create_app
    from queries import warehouse
    from queries.core.settings import Settings

    warehouse._state = None
    create_app(Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}))
    assert warehouse._state is None or warehouse._state.con is None


def test_index_page_is_french(tmp_path):
    from dashboard.app import create_app
    from queries.core.settings import Settings

    app = create_app(Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}))
    with app.server.test_request_context("/"):
        html = app.index()
    assert '<html lang="fr"' in html
