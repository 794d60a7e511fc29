"""Execution at the depots: depots, the daily ledger (production reports, receipts with
acceptance, dispatches to groupings), stock per depot and item, and the execution reports
(the daily report, plan versus actual)."""
