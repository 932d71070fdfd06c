"""`portal backup` and `portal restore`: a copy of everything, and the way back.

Scripts rely on the first line `portal backup` prints: `Backup written: <path>`.
A restore refuses (exit 1, nothing changed) an archive that is damaged, of the
other database kind, or a database that already holds data without
`--overwrite`; after restoring, it checks every table's rows against the
archive's manifest and upgrades the schema if the archive is older than the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal import clock
from portal.extensions import db


@click.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the archive (default: BACKUP_FOLDER, else instance/backups).",
)
@click.option("--keep-all", is_flag=True, help="Do not apply retention to older backups.")
@with_appcontext
def backup_command(folder: Path | None, keep_all: bool) -> None:
    """Write a consistent backup of the database and the instance files."""
    from dataclasses import replace

    from portal.adapters.database_dump import DumpFailed
    from portal.services import heartbeat
    from portal.services.backups import taking
    from portal.services.backups.backup_settings import BackupSettings

    settings = BackupSettings.from_config(current_app.config)
    if folder is not None:
        settings = replace(settings, folder=folder)
    try:
        taken = taking.take(settings, clock.operational_now(), prune=not keep_all)
    except DumpFailed as exc:
        click.echo(f"Backup failed: {exc}", err=True)
        sys.exit(1)
    heartbeat.record(taken.backup.taken_at, taking.describe(taken), name=heartbeat.BACKUP)
    db.session.commit()
    click.echo(f"Backup written: {taken.backup.path}")
    click.echo(taking.describe(taken))


@click.command("restore")
@click.argument("archive_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(archive_path: Path, overwrite: bool) -> None:
    """Restore a backup archive into this portal (database and instance files)."""
    from portal.adapters.database_dump import DumpFailed
    from portal.services import schema
    from portal.services.backups import restoring
    from portal.services.backups.backup_settings import BackupSettings

    settings = BackupSettings.from_config(current_app.config)
    db.session.remove()
    db.engine.dispose()
    try:
        report = restoring.restore(
            settings, archive_path, tables=schema.portal_tables(), overwrite=overwrite
        )
    except (restoring.RestoreRefused, DumpFailed) as exc:
        click.echo(f"Restore refused: {exc}", err=True)
        sys.exit(1)
    db.engine.dispose()
    schema.upgrade()
    taken = report.manifest.taken_at.isoformat(timespec="seconds")
    click.echo(
        f"Restored the backup of {taken}: {report.tables} tables, {report.rows} rows "
        f"(all match the backup), {report.files} instance file(s)."
    )
