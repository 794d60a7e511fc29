"""The registry: what the industry can make, what the troops need, where the money comes from.

`snapshot` moves the whole registry in and out as a `kuznia-instance/1` document.
"""

from kuznia.registry.snapshot import (
    ImportReport,
    RegistryEmptyError,
    RegistryNotEmptyError,
    SnapshotError,
    export_instance,
    export_supplier_countries,
    import_instance,
    registry_is_empty,
)

__all__ = [
    "ImportReport",
    "RegistryEmptyError",
    "RegistryNotEmptyError",
    "SnapshotError",
    "export_instance",
    "export_supplier_countries",
    "import_instance",
    "registry_is_empty",
]
