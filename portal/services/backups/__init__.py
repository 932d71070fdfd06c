"""Backups that are proven: one archive holds the database and the instance files.

`archive` writes and reads the archives, `restoring` puts one back and checks it
against its manifest, `retention` decides which archives to keep, and
`scheduling` when the scheduler takes the daily one.
"""
