"""Reading an uploaded CSV file as French office software and spreadsheets write it.

Files are taken as they are: comma, semicolon or tab separated; UTF-8 (with
or without BOM) or Windows-1252; header names in any case, with spaces around
them and extra columns. They are streamed, never read whole, so a large file
costs memory for one chunk only. What the rows mean is each kind's business;
this module only turns bytes into numbered rows of trimmed values.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import BinaryIO, NamedTuple

from portal.services.errors import N_
from portal.services.imports.report import ImportRun

#: Bytes read at a time when checking the encoding.
READ_SIZE = 1 << 20
#: Rows between two looks at the clock of an import with a time limit.
TIME_CHECK_ROWS = 1000


class CsvFile:
    """An uploaded CSV file, read in one or more streaming passes.

    The encoding is decided before the first pass by decoding the bytes
    incrementally (never the whole file at once): valid UTF-8 is UTF-8,
    anything else is what Excel on Windows writes, Windows-1252.
    """

    def __init__(self, stream: BinaryIO) -> None:
        if not stream.seekable():
            spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
            shutil.copyfileobj(stream, spool)
            spool.seek(0)
            stream = spool  # type: ignore[assignment]
        self._stream = stream
        self._start = stream.tell()
        self.encoding = "utf-8-sig" if _is_utf8(stream) else "cp1252"

    @contextmanager
    def records(self) -> Iterator[Iterator[list[str]]]:
        """Every record of the file, header first, with the delimiter sniffed from the header."""
        self._stream.seek(self._start)
        text = io.TextIOWrapper(self._stream, encoding=self.encoding, errors="replace", newline="")
        try:
            first = text.readline()
            yield csv.reader(itertools.chain((first,), text), delimiter=_sniff_delimiter(first))
        finally:
            text.detach()  # the caller owns (and closes) the binary stream


def _is_utf8(stream: BinaryIO) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(READ_SIZE):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(header_line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header line (comma on a tie)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in ",;\t"}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


class Columns(NamedTuple):
    """The columns a kind of file may have, and those it must have."""

    known: tuple[str, ...]
    required: tuple[str, ...]


class Header:
    """Where each known column is: names are trimmed and case-insensitive, extras ignored."""

    def __init__(self, names: list[str], columns: Columns) -> None:
        index: dict[str, int] = {}
        for position, name in enumerate(names):
            index.setdefault(name.strip().lower(), position)
        self.positions = [(name, index[name]) for name in columns.known if name in index]
        self.missing = [name for name in columns.required if name not in index]
        self._names = [name for name, _ in self.positions]
        self._width = max((i for _, i in self.positions), default=-1) + 1
        self._pick = (
            itemgetter(*(i for _, i in self.positions)) if len(self.positions) > 1 else None
        )

    def values(self, fields: list[str]) -> dict[str, str]:
        """The row's trimmed values by column name; a short row reads as empty values."""
        if len(fields) >= self._width and self._pick is not None:
            return dict(zip(self._names, map(str.strip, self._pick(fields)), strict=True))
        size = len(fields)
        return {name: fields[i].strip() if i < size else "" for name, i in self.positions}


@contextmanager
def data_rows(
    run: ImportRun, source: CsvFile, columns: Columns
) -> Iterator[Iterator[tuple[int, dict[str, str]]] | None]:
    """The data rows as (row number, values), or None after reporting an unusable header."""
    with source.records() as records:
        try:
            header = Header(next(records, []), columns)
        except csv.Error as exc:
            run.error(1, "", N_("the file cannot be read as CSV: %(reason)s"), reason=str(exc))
            yield None
            return
        for name in header.missing:
            run.error(1, name, N_("missing column"))
        yield None if header.missing else _rows(run, records, header)


def _rows(
    run: ImportRun, records: Iterator[list[str]], header: Header
) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows numbered as a spreadsheet shows them; blank rows are skipped but counted."""
    row = 1
    try:
        for fields in records:
            row += 1
            if row % TIME_CHECK_ROWS == 0 and run.out_of_time():
                run.error(
                    row,
                    "",
                    N_(
                        "the file is too large to import within %(seconds)d seconds here: "
                        "split it into smaller files, or import it with the `portal import` command"
                    ),
                    seconds=int(run.time_limit or 0),
                )
                return
            if "".join(fields).strip():
                yield row, header.values(fields)
    except csv.Error as exc:
        run.error(row + 1, "", N_("the file cannot be read as CSV: %(reason)s"), reason=str(exc))
