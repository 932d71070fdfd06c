"""Fresh planner statistics for the tables a long job fills far beyond what PostgreSQL last saw.

PostgreSQL plans each statement from the statistics its last ANALYZE
gathered. The first dunning pass of a new portal writes tens of thousands of
links, messages and actions into tables that were nearly empty when last
analysed; autovacuum refreshes them only after a commit, on its next round,
up to a minute later (never, where it is turned off), and meanwhile the
checks and lookups of every row written run with plans made for a handful
of rows. Measured on a fresh database, the server spent 15.5 s of CPU on the
pass's 20 000 emails, and 10-11 s with the tables analysed as below.

`GrowthWatch` counts the rows a job writes into each table it watches and,
once they outnumber what the planner believed the table held (and at least
`floor` of them), runs ANALYZE on it. The next refresh comes when the rows
written since outnumber the table again, so a job that grows a table from
nothing to N rows analyses it about log2(N / floor) times, each on a sample
of at most a few tens of thousands of rows. SQLite looks foreign keys and
unique columns up by their index whatever its statistics say: there the
watch does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, bindparam, text

from portal.extensions import db

#: Fewer rows than this never justify an ANALYZE: plans for a small table hardly matter.
DEFAULT_FLOOR = 1000

_BELIEVED = text(
    "SELECT relname, reltuples FROM pg_class "
    "WHERE relname IN :names AND relnamespace = to_regnamespace(current_schema())::oid"
).bindparams(bindparam("names", expanding=True))


class GrowthWatch:
    """Analyse each watched table once a job has written more rows into it than it held."""

    def __init__(self, tables: Iterable[Table], *, floor: int | None = None):
        self.floor = DEFAULT_FLOOR if floor is None else floor
        self.enabled = db.session.get_bind().dialect.name == "postgresql"
        names = [table.name for table in tables]
        self.believed: dict[str, float] = dict.fromkeys(names, 0.0)
        """Rows each table held at its last ANALYZE, as far as this job knows."""
        self.written: dict[str, int] = dict.fromkeys(names, 0)
        """Rows this job wrote into each table since then."""
        if self.enabled and names:
            for name, rows in db.session.execute(_BELIEVED, {"names": names}):
                self.believed[name] = max(float(rows), 0.0)  # -1: never analysed

    def wrote(self, table: Table, rows: int) -> None:
        self.written[table.name] += rows

    def refresh(self) -> bool:
        """ANALYZE the tables grown past their statistics; call it right after a batch's commit.

        True when it analysed any: the caller commits then, so that the lock
        ANALYZE takes (which only another ANALYZE or VACUUM waits for) ends at once.
        """
        if not self.enabled:
            return False
        grown = [
            name
            for name, written in self.written.items()
            if written >= max(self.floor, self.believed[name])
        ]
        for name in grown:
            db.session.execute(text(f'ANALYZE "{name}"'))
            self.believed[name] += self.written[name]
            self.written[name] = 0
        return bool(grown)
