"""The audit chain: every write appends a hash-chained event; `verify` proves the chain."""

from kuznia.audit.chain import Actor, Change, Verification, record, set_actor, verify

__all__ = ["Actor", "Change", "Verification", "record", "set_actor", "verify"]
