"""The planner's workbench: stored what-if scenarios run against a plan run, Monte Carlo
sweeps, critical producers and regions, all as jobs in the worker pool (`jobs`), reached
through `/api/v1/scenarios`, `/api/v1/sweeps`, `/api/v1/critical` and the web's /workbench."""
