"""Kuznia's configuration: one `Settings` object read from `KUZNIA_*` environment variables.

Safe defaults for a laptop (an SQLite file in the user's data directory, no server needed);
production sets `KUZNIA_DATABASE_URL`, e.g. `postgresql+psycopg://kuznia@db.example/kuznia`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_NAME = "kuznia"


def default_database_url() -> str:
    """An SQLite file in the user's data directory; the directory is made on first connect."""
    path: Path = user_data_path(APP_NAME) / "kuznia.db"
    return f"sqlite:///{path.as_posix()}"


class Settings(BaseSettings):
    """Every setting of Kuznia; each field `x` is read from the environment as `KUZNIA_X`."""

    model_config = SettingsConfigDict(env_prefix="KUZNIA_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB.",
    )
    token_hours: float = Field(
        default=12.0, gt=0, description="Hours a login token stays valid unless revoked."
    )
    token_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="Seconds a process remembers an authenticated token instead of reading it "
        "again; a token revoked in another process (kuznia serve --workers N) is refused "
        "within this bound (at once in the process that revoked it); 0: read every time.",
    )
    login_account_free_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins of one account before each further one locks it (backoff).",
    )
    login_address_free_failures: int = Field(
        default=20,
        ge=1,
        description="Failed logins from one client address before each further one locks it.",
    )
    login_lock_seconds: float = Field(
        default=15.0, gt=0, description="The first lock after the free failures; doubles after."
    )
    login_lock_max_seconds: float = Field(
        default=900.0, gt=0, description="The longest a login lock lasts."
    )
    password_hashing_at_once: int = Field(
        default=2,
        ge=1,
        description="Password hashes (argon2) computed at the same time in one process; more "
        "wait, so a flood of logins cannot take every CPU from other requests.",
    )
    database_connect_timeout: int = Field(
        default=10, ge=1, description="Seconds to wait for a PostgreSQL connection to open."
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="PostgreSQL connections a process keeps open for its requests; as many again "
        "may open for a burst. Below the requests a process serves at once, connections are "
        "opened and closed under load (each costs the server a process start).",
    )
    plan_workers: int = Field(
        default=1,
        ge=1,
        description="Plan runs solved at the same time, each in its own worker process.",
    )
    dask_scheduler: str | None = Field(
        default=None,
        max_length=255,
        description="A Dask scheduler's address (tcp://host:8786): plan runs and jobs run on "
        "its workers instead of local worker processes (decision 0015).",
    )
    sweep_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="Processes of the Dask LocalCluster a sweep job spreads its scenarios over "
        "when no scheduler is configured; 0 plans them one after the other in the worker.",
    )
    host: str = Field(default="127.0.0.1", description="Address `kuznia serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `kuznia serve` listens on.")
    # The audit chain's HMAC key, outside the database (read by kuznia.audit.keys, which
    # documents the order and the laptop default, a 0600 file in the user's data directory).
    audit_key: SecretStr | None = Field(
        default=None,
        description="The audit chain's HMAC key itself (at least 32 characters).",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="A file whose first line is the audit chain's HMAC key; later lines are "
        "retired keys still used to verify old events.",
    )
    # Limits on what a request and an imported workbook may hold (docs/security.md).
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="The largest request body, in bytes (JSON and forms); larger: 413.",
    )
    max_upload_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="The largest uploaded file (a registry workbook on the web), in bytes.",
    )
    import_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="The largest workbook to import, uncompressed (all its parts), in bytes.",
    )
    import_max_part_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1,
        description="The largest part (one sheet, the shared strings) of a workbook, "
        "uncompressed, in bytes.",
    )
    import_max_parts: int = Field(
        default=1000, ge=1, description="The most parts (files in its zip) a workbook may have."
    )
    import_max_rows: int = Field(
        default=100_000,
        ge=1,
        description="The most rows one sheet of an imported workbook may have.",
    )
    # The ledger's rules (kuznia.logistics.service; decision 0010).
    over_delivery_tolerance: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of a contract's quantity that may be accepted beyond it (0.02: "
        "2 %); beyond that, more is a planner's amendment, not a receipt.",
    )
    closed_period_days: int = Field(
        default=31,
        ge=0,
        le=36500,
        description="Receipts, dispatches and production reports dated more than this many "
        "days ago fall in a closed period: refused; a planner corrects them by reversal.",
    )
    # The OCDS export (`kuznia export ocds`, kuznia.io.ocds).
    ocds_ocid_prefix: str = Field(
        default="ocds-kuznia",
        min_length=1,
        description="Prefix of every ocid (a registered `ocds-xxxxxx`); ocid = prefix-number.",
    )
    ocds_publisher_name: str = Field(
        default="Kuznia", min_length=1, description="The publisher named in the package."
    )
    ocds_buyer_name: str = Field(
        default="Ministry of Defence", min_length=1, description="The buyer of every contract."
    )
    ocds_package_uri: str = Field(
        default="", description="The package's URI; empty: a `urn:` made from the ocid prefix."
    )
    ocds_withhold_depot_locations: bool = Field(
        default=True, description="Leave out where depots are (declared as withheld)."
    )
    ocds_sensitive_items: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Item codes or categories whose quantities and unit prices are withheld; "
        "comma-separated in the environment (`art-155,drones`).",
    )
    ocds_schema_dir: Path | None = Field(
        default=None,
        description="Folder with the OCDS schemas and codelists; default: the copy shipped "
        "in the package (kuznia/io/ocds_schema).",
    )

    @field_validator("ocds_sensitive_items", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
