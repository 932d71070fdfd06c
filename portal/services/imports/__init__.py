"""Importing customers, invoices and payments from CSV files, all or nothing."""
