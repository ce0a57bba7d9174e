"""The shape we want, checked (docs/ARCHITECTURE.md): floors with one direction of arrows, no import cycle,
and each outside library imported only by the floor whose job it is. Every import counts, the ones inside
functions included: a late import hides a cycle, it does not remove it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("queries", "data", "dashboard", "meteocomptes")

# Floors, bottom up: a module may import its own floor and the floors listed for it, nothing else of the project.
FLOORS: dict[str, tuple[str, ...]] = {
    "queries.core": (),
    "queries.warehouse": ("queries.core",),
    "queries.store": ("queries.core",),
    "queries.services": ("queries.core", "queries.warehouse", "queries.store"),
    "data": ("queries.core", "queries.warehouse", "queries.store"),
    "dashboard": ("queries.core", "queries.warehouse", "queries.store", "queries.services"),
    "meteocomptes": ("queries", "data", "dashboard"),
}
# Which floors may import each outside library.
LIBRARIES: dict[str, tuple[str, ...]] = {
    "dash": ("dashboard",),
    "dash_ag_grid": ("dashboard",),
    "plotly": ("dashboard",),
    "flask": ("dashboard",),
    "flask_caching": ("dashboard",),
    "werkzeug": ("dashboard",),
    "duckdb": ("queries.warehouse",),
    "sqlalchemy": ("queries.store",),
    "psycopg": ("queries.store",),
    "redis": ("queries.store",),
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[str, tuple[str, ...]]]:
    """Every import of a file: (absolute module, names imported from it; empty for `import module`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            out.append((base, tuple(a.name for a in node.names)))
    return out


def project_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module → the project modules it imports. `from pkg import mod` is an arrow to pkg.mod (the package's
    __init__ runs first in any case, as for every submodule import, and is not counted as an arrow of its own);
    `from pkg import name` is an arrow to pkg."""
    files = {module_name(p, root): p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))}
    graph = {}
    for mod, path in files.items():
        deps: set[str] = set()
        for base, names in imports_of(path, root):
            subs = {f"{base}.{n}" for n in names if f"{base}.{n}" in files}
            deps |= subs
            if not names or len(subs) < len(names):
                deps.add(base)
        graph[mod] = {d for d in deps if d in files and d != mod}
    return graph


def floor_of(module: str) -> str | None:
    best = None
    for floor in FLOORS:
        if (module == floor or module.startswith(floor + ".")) and (best is None or len(floor) > len(best)):
            best = floor
    return best


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def floor_violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for mod, deps in graph.items():
        floor = floor_of(mod)
        if floor is None:  # the namespace packages themselves (queries/__init__.py): they must import nothing
            out += [f"{mod} → {d}" for d in deps]
            continue
        allowed = (floor, *FLOORS[floor])
        out += [f"{mod} → {d}" for d in sorted(deps) if not _within(d, allowed) and d != "queries"]
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), plus self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def library_violations(root: Path = ROOT) -> list[str]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            mod = module_name(path, root)
            top = {base.split(".")[0] for base, _ in imports_of(path, root)}
            for lib, floors in LIBRARIES.items():
                if lib in top and not _within(mod, floors):
                    out.append(f"{mod} importe {lib} (réservé à {', '.join(floors)})")
    return out


def test_every_module_sits_on_a_floor():
    graph = project_graph()
    lost = [m for m in graph if floor_of(m) is None and m not in ("queries",)]
    assert not lost, f"modules hors des étages déclarés : {lost}"


def test_arrows_go_down_only():
    assert floor_violations(project_graph()) == []


def test_no_import_cycle():
    assert cycles(project_graph()) == []


def test_libraries_stay_on_their_floor():
    assert library_violations() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir(exist_ok=True)
    return tmp_path


def test_the_checks_catch_a_bad_import(tmp_path):
    """The checks themselves, on a small tree: an upward arrow, a late-import cycle, a library off its floor."""
    root = _tree(tmp_path, {
        "queries/__init__.py": "",
        "queries/core/__init__.py": "",
        "queries/core/settings.py": "from queries.warehouse import stats\n",
        "queries/warehouse/__init__.py": "",
        "queries/warehouse/stats.py": "def f():\n    from queries.warehouse import ingest\n",
        "queries/warehouse/ingest.py": "from queries.warehouse import stats\nimport sqlalchemy\n",
    })
    graph = project_graph(root)
    assert floor_violations(graph) == ["queries.core.settings → queries.warehouse.stats"]
    assert cycles(graph) == [["queries.warehouse.ingest", "queries.warehouse.stats"]]
    assert library_violations(root) == ["queries.warehouse.ingest importe sqlalchemy (réservé à queries.store)"]


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


# Who is asking, first: every callback names the caller (auth.require_principal, or the statistics page's
# store_view / resolve, which start with it; the shell router current_principal, then page.allowed) before it
# touches any query module.
WHO = {"require_principal", "current_principal", "store_view", "resolve"}  # current_principal: the shell router
READERS = {"console", "actions", "audit", "stats", "stats_series", "warehouse", "users", "accounts", "catalog",
           "ratelimit", "outbox", "D", "data"}


def _is_callback(fn: ast.FunctionDef) -> bool:
    for d in fn.decorator_list:
        call = d.func if isinstance(d, ast.Call) else d
        name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
        if name in ("callbacks", "callback"):
            return True
    return False


def _call_name(node: ast.Call) -> tuple[str, str]:
    """(root, leaf) of a call: `console.search(...)` → ("console", "search"), `resolve(...)` → ("", "resolve")."""
    f, parts = node.func, []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    root = f.id if isinstance(f, ast.Name) else ""
    return (root if parts else "", parts[0] if parts else root)


def callbacks_reading_before_asking(root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / "dashboard").rglob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef) or not _is_callback(fn):
                continue
            calls = sorted((n for n in ast.walk(fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
            names = [_call_name(c) for c in calls]
            first_who = next((i for i, (_, leaf) in enumerate(names) if leaf in WHO), None)
            first_read = next((i for i, (r, _) in enumerate(names) if r in READERS), None)
            where = f"{path.relative_to(root)}:{fn.name}"
            if first_who is None:
                out.append(f"{where} ne demande jamais qui appelle")
            elif first_read is not None and first_read < first_who:
                out.append(f"{where} lit ({'.'.join(names[first_read])}) avant de demander qui appelle")
    return out


def test_every_callback_asks_who_is_asking_before_any_read():
    assert callbacks_reading_before_asking() == []


def test_the_callback_check_catches_a_read_first(tmp_path):
    root = _tree(tmp_path, {"dashboard/pages/x.py": (
        "@callbacks(1)\ndef early(v):\n    rows = console.search(s, None)\n    p = auth.require_principal(A)\n"
        "@callbacks(2)\ndef never(v):\n    return 1\n"
        "@callbacks(3)\ndef fine(v):\n    p = auth.require_principal(A)\n    return console.search(s, p)\n")})
    assert callbacks_reading_before_asking(root) == [
        "dashboard/pages/x.py:early lit (console.search) avant de demander qui appelle",
        "dashboard/pages/x.py:never ne demande jamais qui appelle",
    ]
