"""Leaf value code: no Flask, no database. Safe to import from anywhere."""
