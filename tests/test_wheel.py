"""The wheel works outside the checkout: it ships every file the code reads at run time
(migrations, templates, static files, message catalogs, the OCDS schema), and from a folder
outside the repository, with only the wheel's files on the path, `kuznia` plans an instance,
migrates a database, imports the instance, approves a plan into contracts and exports them as
OCDS validated against the schema inside the wheel.

The wheel is built with pip (setuptools in an isolated build environment, as `pip wheel`
does for a user); the dependencies are this environment's (the lock's)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kuznia"
# Files of the source tree that nothing reads at run time: Babel's extraction settings (used to
# update the message catalogs by hand).
NOT_SHIPPED = {"kuznia/web/babel.cfg"}

# One process, so the CLI is imported once: each command as `kuznia ...` would run it.
SCRIPT = """
import json, sys
from pathlib import Path
from typer.testing import CliRunner
import kuznia
from kuznia.cli.main import app

site = Path(sys.argv[1]).resolve()
assert Path(kuznia.__file__).resolve().is_relative_to(site), kuznia.__file__
runner = CliRunner()
for command in (
    "generate tiny --seed 7 --output s.json",
    "plan --input s.json --output r.json",
    "db upgrade",
    "import s.json",
    "demo-users --data s.json --execution",
    "export ocds --output o.json",
):
    result = runner.invoke(app, command.split())
    print(f"$ kuznia {command} -> {result.exit_code}")
    assert result.exit_code == 0, result.output
package = json.loads(Path("o.json").read_text())
print(len(package["releases"]), "releases;", result.output.strip().splitlines()[0])
"""


@pytest.mark.slow
def test_the_wheel_runs_plan_and_the_ocds_export_outside_the_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("kuznia-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
        site = tmp_path / "site"
        archive.extractall(site)
    needed = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert sorted(needed - shipped - NOT_SHIPPED) == []

    work = tmp_path / "work"
    work.mkdir()
    environment = {
        **os.environ,
        "PYTHONPATH": str(site),
        "KUZNIA_DATABASE_URL": f"sqlite:///{work / 'w.db'}",
    }
    environment.pop("KUZNIA_OCDS_SCHEMA_DIR", None)
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(site)],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"valid against {site / 'kuznia' / 'io' / 'ocds_schema'}" in run.stdout
