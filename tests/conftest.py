"""Test-wide settings.

Under CI (`CI` set) hypothesis draws the same examples on every run, so a red CI always means a
change broke something; on a developer's machine it explores new examples each run and keeps
the failures it finds in .hypothesis/.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The audit chain's HMAC key for every test (and the processes tests start): no test writes a
# key file into the user's data directory (tests/audit/test_keys.py tests that default).
os.environ.setdefault("KUZNIA_AUDIT_KEY", "test-audit-key-not-secret-0123456789abcdef")

# The tests' ledgers are dated in 2026 (fixed days beside fixed schedules): their days stay
# open for as long as the suite lives. The closed-period tests give their own settings
# (tests/logistics/test_exact_ledger.py); the default, 31 days, is tested there too.
os.environ.setdefault("KUZNIA_CLOSED_PERIOD_DAYS", "36500")
# Sweep jobs plan their scenarios in the worker itself unless a test starts a cluster
# (tests/api/test_sweep_cluster.py): a LocalCluster per small sweep is slower than the sweep.
os.environ.setdefault("KUZNIA_SWEEP_WORKERS", "0")

# Databases for every test that needs one (tests/db/fixtures.py): SQLite, and PostgreSQL too.
pytest_plugins = ["tests.db.fixtures"]


# `make test` hands whole files to its two processes (`--dist loadfile`: a module's fixtures,
# such as a live server or the access matrix's world, are made once, not once per process), one
# file at a time in the order collected. A long file handed out last keeps one process busy
# while the other has nothing left, so the longest files go first (measured, longest first);
# the other files keep their order.
LONGEST_FIRST = (
    "tests/web/test_every_page.py",
    "tests/web/test_browser.py",
    "tests/web/test_workbench_browser.py",
    "tests/web/test_exports_browser.py",
    "tests/web/test_industry_browser.py",
    "tests/web/test_targets_browser.py",
    "tests/api/test_workbench.py",
    "tests/api/test_jobs.py",
    "tests/api/test_plan_runs.py",
    "tests/api/test_schemathesis.py",
    "tests/api/test_cluster.py",
    "tests/web/test_execution_pages.py",
    "tests/web/test_economy_pages.py",
    "tests/web/test_download_pages.py",
    "tests/api/test_hostile_input.py",
    "tests/api/test_access_matrix.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
