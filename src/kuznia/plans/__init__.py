"""Plan runs: a solve of the registry's snapshot, in a worker process, with its results in
tables of their own (the registry is never changed by a solve)."""
