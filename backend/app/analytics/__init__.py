"""Cost and quality analytics over the ledger, the jobs and the examples."""
