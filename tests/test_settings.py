from pathlib import Path

import pytest

from queries.core.settings import SETTINGS, Settings, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_readme():
    text = README.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"réglages absents du README : {missing}"


def test_readme_table_is_the_generated_one():
    """The README says its table is `python -m queries.core.settings`: defaults and help stay in step."""
    assert markdown_table() in README.read_text(encoding="utf-8"), "régénérez le tableau : python -m queries.core.settings"


def test_web_concurrency_is_read_through_the_settings(monkeypatch):
    """`meteocomptes serve` and the Procfile's gunicorn (its config module) take WEB_CONCURRENCY from Settings."""
    import argparse
    import importlib

    from meteocomptes import gunicorn_conf, serve

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    seen: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execv", lambda path, cmd: seen.append(cmd))
    serve.serve(argparse.Namespace(host=None, port=None, workers=None))
    assert seen[0][seen[0].index("--workers") + 1] == "3"
    assert importlib.reload(gunicorn_conf).workers == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert importlib.reload(gunicorn_conf).workers == 2
    serve.serve(argparse.Namespace(host=None, port=None, workers=5))
    assert seen[1][seen[1].index("--workers") + 1] == "5"


def test_settings_parse_environment_and_defaults(tmp_path):
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path), "DUCKDB_THREADS": "3", "TRUSTED_HEADER_AUTH": "oui"})
    assert s["DUCKDB_THREADS"] == 3
    assert s["TRUSTED_HEADER_AUTH"] is True
    assert s.warehouse_dir == tmp_path / "warehouse"
    assert s.database_url == f"sqlite:///{tmp_path / 'meteocomptes.sqlite'}"


def test_unknown_override_is_refused():
    with pytest.raises(KeyError):
        Settings.from_env({}, NOT_A_SETTING=1)


def test_generated_secret_key_is_stable_and_private(tmp_path):
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)})
    key = s.secret_key()
    assert len(key) > 40 and s.secret_key() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
