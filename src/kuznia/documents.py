"""Names for the JSON documents that are free-form by design: an instance document
(`kuznia-instance/1`, checked by `kuznia.instance`, not by a read model) and the JSON a
stored plan result keeps. Every other boundary returns a read model."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
"""A JSON object whose shape another format defines (an instance document, a stored result)."""
