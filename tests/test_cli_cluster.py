"""``listener worker`` and cluster-mode ``listener run`` refuse configs they cannot serve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from listener.cli import app

runner = CliRunner()


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "listener.toml"
    path.write_text(text)
    return str(path)


def test_worker_needs_a_cluster_section(tmp_path: Path) -> None:
    path = _config(tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path / "l.db"}"\n')
    result = runner.invoke(app, ["worker", "--config", path])
    assert result.exit_code == 2
    assert "[cluster]" in result.stderr


def test_cluster_on_sqlite_is_a_config_error_for_worker_and_run(tmp_path: Path) -> None:
    path = _config(tmp_path, '[cluster]\nbroker_url = "redis://127.0.0.1:6379/0"\n')
    for command in ("worker", "run"):
        result = runner.invoke(app, [command, "--config", path])
        assert result.exit_code == 2
        assert "storage.url: cluster mode needs PostgreSQL" in result.stderr


def test_worker_concurrency_must_be_positive(tmp_path: Path) -> None:
    path = _config(tmp_path, '[cluster]\nbroker_url = "redis://127.0.0.1:6379/0"\n')
    result = runner.invoke(app, ["worker", "--config", path, "--concurrency", "0"])
    assert result.exit_code == 2


def test_importing_the_cli_loads_no_celery() -> None:
    code = "import sys, listener.cli; print([m for m in ('celery', 'kombu') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cluster_facade_exports_resolve() -> None:
    import listener.cluster

    assert all(getattr(listener.cluster, name) for name in listener.cluster.__all__)
