"""Test-wide settings.

Under CI (`CI` set) hypothesis draws the same examples on every run, so a red CI always means a
change broke something; on a developer's machine it explores new examples each run and keeps
the failures it finds in .hypothesis/.
"""

import os

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
