"""Generation and quality jobs: planned into items, leased by workers, booked in a cost ledger."""
