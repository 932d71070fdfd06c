"""Reading bank statements, whatever format the bank sends, into one shape.

A creditor learns that a customer paid from the bank: a camt.053 or camt.054
file, a CFONB 120 statement, an OFX or MT940 download, or a CSV export. Each
is read into the same `Statement` of `BankEntry`s, so that matching payments
to invoices is written once. Parsing here is pure code (no Flask, no
database): it takes bytes and gives entries, or refuses the whole file with
every problem it found (`StatementInvalid`).

The modules:

- reading: read_statement, the one entry point; the content decides the format.
- statement: BankEntry, Balance, Statement, and the kinds and directions.
- problems: Problem, StatementInvalid, and the collector parsers fill.
- camt, camt_entries: ISO 20022 camt.053 and camt.054 (XML, parsed safely).
- cfonb120, cfonb_complements: the French fixed-width statement and its 05 records.
- ofx, ofx_markup: OFX 1.x (SGML) and 2.x (XML) downloads.
- mt940, mt940_details: SWIFT MT940 messages and their :86: layouts.
- bank_csv, csv_columns: CSV exports, and the CsvMapping naming their columns.
- entry_kinds: the kind of a movement, from bank codes or the label's first words.
- references: RF creditor references found in remittance text.
- amounts: amounts as files write them, to exact cents.
- decoding: bytes to text for the text formats (UTF-8, BOM, Windows-1252).
"""
