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
    from meteocomptes.settings import Settings
    from queries import warehouse

    warehouse._state = None
    create_app(Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}))
    assert warehouse._state is None or warehouse._state.con is None


def test_index_page_is_french(tmp_path):
    from dashboard.app import create_app
    from meteocomptes.settings import Settings

    app = create_app(Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}))
    with app.server.test_request_context("/"):
        html = app.index()
    assert '<html lang="fr"' in html


def _full_imports(path: Path) -> set[str]:
    """Every module imported by a file, at any depth (late imports inside functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_lower_layers_do_not_import_the_cli():
    """data/ and queries/ sit under the CLI: of meteocomptes/ they may use the settings only (a leaf module)."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for pkg, path in _modules()
        if pkg in ("data", "queries")
        and (bad := {m for m in _full_imports(path) if m.split(".")[0] == "meteocomptes" and m != "meteocomptes.settings"})
    }
    assert not offenders, f"import vers le haut (meteocomptes/) : {offenders}"
