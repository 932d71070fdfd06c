"""Matching bank entries to invoices, most certain first, and the creditor's review of the rest.

Reading the files is `services.bank`; this package decides what each credit
pays (a reference the portal issued, invoice numbers, a known payer), records
it through the ledger so reminders stop at once, and keeps the rest in a short
inbox for the creditor.
"""
