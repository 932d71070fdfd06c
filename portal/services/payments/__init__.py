"""Money on invoices: the ledger (the one path for payments, credits and balances), invoice arithmetic, what a debtor selects to pay, bank transfer references."""
