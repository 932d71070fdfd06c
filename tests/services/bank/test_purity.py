"""The statement parsers stay pure: bytes in, entries out, no Flask and no database.

They run in a request, a command or a job alike, and are tested without an
app; so they may import only the standard library, defusedxml, the portal's
value modules, the domain errors and each other. Read from the source with
`ast`, so a new import fails here with the file and line to look at.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "portal" / "services" / "bank"
ALLOWED = ("portal.values", "portal.services.errors", "portal.services.bank", "defusedxml")


def test_the_parsers_import_nothing_but_values_errors_and_the_standard_library():
    bad = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                allowed = module.startswith(ALLOWED) or module.split(".")[0] in (
                    sys.stdlib_module_names | {"__future__"}
                )
                if not allowed:
                    bad.append(f"{path.name}:{node.lineno} imports {module}")
    assert bad == []
