"""National targets: goals per category (or item) and month or quarter, and the tracking
report of target against approved plan against actual accepted output."""
