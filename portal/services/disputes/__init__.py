"""Disputes: the debtor contests lines of an invoice, the creditor accepts or rejects."""
