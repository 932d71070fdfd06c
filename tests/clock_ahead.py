"""`pytest --clock-ahead DAYS`: run the suite with the machine's clock moved ahead.

A test must not depend on the day it runs: the app under test reads the suite's
pinned clock (`CLOCK_NOW`), never the machine's. This option proves it by moving
the wall clock of the whole test process DAYS ahead with time-machine (which
leaves the monotonic clock alone, so thread and lock waits behave). Tests that
start other processes (marked `processes`) or drive a browser (`e2e`) cannot be
moved with it and are deselected, with a line that says how many.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

OUT_OF_PROCESS_MARKERS = ("processes", "e2e")


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead",
        type=int,
        default=0,
        metavar="DAYS",
        help="move the wall clock DAYS ahead for the whole run (in-process tests only)",
    )


def pytest_configure(config):
    days = config.getoption("--clock-ahead")
    if not days:
        return
    import time_machine

    traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--clock-ahead"):
        return
    kept, moved_aside = [], []
    for item in items:
        out = any(item.get_closest_marker(m) for m in OUT_OF_PROCESS_MARKERS)
        (moved_aside if out else kept).append(item)
    if moved_aside:
        config.hook.pytest_deselected(items=moved_aside)
        items[:] = kept


def pytest_report_header(config):
    days = config.getoption("--clock-ahead")
    if days:
        return (
            f"clock ahead: the wall clock runs {days} days ahead (now {datetime.now(UTC):%Y-%m-%d})"
        )
    return None
