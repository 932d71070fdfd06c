"""Importing customers, invoices and payments from CSV files, all or nothing.

Files come from French office software and spreadsheets, so they are taken as
they are: comma, semicolon or tab separated; UTF-8 (with or without BOM) or
Windows-1252; decimal comma or point, with spaces as thousands separators;
ISO or DD/MM/YYYY dates.

An import runs in one transaction. Every row is checked, even after the first
problem, so the user fixes the whole file at once; if any row is wrong nothing
is written. Importing the same file twice changes nothing the second time.

Files are streamed and processed in chunks with bulk statements (one SELECT
per chunk for lookups, executemany for writes): 100 000 invoice lines take a
few seconds, and memory holds one chunk plus a few dozen bytes per distinct
invoice number and customer ref, never the file.

The modules, in the order a file goes through them:

- importer: import_csv, the one entry point, and its transaction.
- reading: bytes to numbered rows (encoding, delimiter, header).
- cells: one value checked (required, length, date, number).
- report: RowError and ImportResult, and the ImportRun that gathers them.
- customer_rows, customers: checking customer rows; upserting them by ref.
- invoice_rows, invoices, invoice_storage: gathering an invoice from its
  rows; deciding create, update or unchanged; reading and writing in bulk.
- payments: payments allocated to invoices, booked through the ledger's bulk
  path (services.payments.ledger_bulk), which also writes changed invoices.
- fingerprints: what makes a second import of the same file change nothing.
- bulk_sql: the chunked lookups and executemany writes everything above uses.
"""
