"""The French catalog is complete, compiled, in sync with the sources, and used.

A developer who adds or changes a UI string gets a failing test here until they
run `make translations`, translate the new entries of the French .po, and run
`make translations` again (which compiles the .mo).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.mo"

#: The same keywords as the `translations` target of the Makefile.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "lazy_gettext": None}

FIX = (
    "Run `make translations`, translate every empty msgstr in "
    "portal/translations/fr/LC_MESSAGES/messages.po, then run `make translations` "
    "again to compile the catalog."
)

#: A printf-style conversion, as Python's `%` operator reads it (and as Jinja's
#: newstyle gettext applies it to every translated string, even without variables).
FORMAT_SPEC = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)


def _read_po(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="fr" if path.suffix == ".po" else None)


def _key(message) -> tuple:
    """Context and msgid (a (singular, plural) pair for plural messages)."""
    msgid = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
    return (message.context, msgid)


def _show(key: tuple) -> str:
    context, msgid = key
    text = " | ".join(msgid) if isinstance(msgid, tuple) else msgid
    return f"  {text!r}" + (f" (context {context!r})" if context else "")


def _entries(catalog) -> dict[tuple, object]:
    return {_key(message): message for message in catalog if message.id}


def _forms(message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def _msgids(message) -> list[str]:
    return list(message.id) if message.pluralizable else [message.id]


def _placeholders(text: str) -> set[tuple[str | None, str]]:
    return {(m["name"], m["conversion"]) for m in FORMAT_SPEC.finditer(text)}


def _has_stray_percent(text: str) -> bool:
    return "%" in FORMAT_SPEC.sub("", text)


def _extract_sources() -> set[tuple]:
    """What `pybabel extract` would find now, from the same babel.cfg."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = tuple(message) if isinstance(message, (list, tuple)) else message
        found.add((context, msgid))
    return found


@pytest.fixture(scope="module")
def catalog():
    assert PO.exists(), f"{PO.relative_to(ROOT)} is missing. {FIX}"
    return _read_po(PO)


def test_catalog_is_french_with_french_plural_rule(catalog):
    assert str(catalog.locale) == "fr"
    assert catalog.plural_forms == "nplurals=2; plural=(n > 1);"
    assert not catalog.fuzzy, (
        "The header of the French .po is marked fuzzy: `pybabel compile` would skip the "
        "whole catalog. Remove the `#, fuzzy` line above its first msgid."
    )


def test_every_message_is_translated_and_not_fuzzy(catalog):
    untranslated = [key for key, m in _entries(catalog).items() if not all(_forms(m))]
    fuzzy = [key for key, m in _entries(catalog).items() if m.fuzzy]
    problems = []
    if untranslated:
        problems.append(
            f"{len(untranslated)} message(s) have an empty msgstr (or plural form):\n"
            + "\n".join(map(_show, untranslated))
        )
    if fuzzy:
        problems.append(
            f"{len(fuzzy)} message(s) are marked fuzzy (check the translation, then remove "
            "the `#, fuzzy` flag):\n" + "\n".join(map(_show, fuzzy))
        )
    if problems:
        pytest.fail("\n\n".join(problems) + f"\n\n{FIX}", pytrace=False)


def test_placeholders_are_kept(catalog):
    problems = []
    for key, message in _entries(catalog).items():
        expected = set().union(*(_placeholders(text) for text in _msgids(message)))
        for form in _forms(message):
            if not form:
                continue  # reported by the completeness test
            if _placeholders(form) != expected:
                problems.append(f"{_show(key)}\n    -> {form!r}")
            elif _has_stray_percent(form):
                problems.append(f"{_show(key)}\n    -> {form!r} (write a literal % as %%)")
    if problems:
        pytest.fail(
            "These translations do not keep the %(name)s placeholders of their msgid "
            "(same names, same conversions):\n" + "\n".join(problems),
            pytrace=False,
        )


def test_catalogs_are_in_sync_with_the_sources(catalog):
    in_sources = _extract_sources()
    in_pot = set(_entries(_read_po(POT)))
    in_po = set(_entries(catalog))
    problems = []
    if missing := in_sources - in_po:
        problems.append(
            f"{len(missing)} UI string(s) in the code or templates are not in the French "
            "catalog:\n" + "\n".join(map(_show, sorted(missing, key=str)))
        )
    if stale := in_po - in_sources:
        problems.append(
            f"{len(stale)} message(s) of the French catalog are no longer used:\n"
            + "\n".join(map(_show, sorted(stale, key=str)))
        )
    if in_pot != in_sources:
        problems.append("portal/translations/messages.pot is out of date.")
    if problems:
        pytest.fail("\n\n".join(problems) + f"\n\n{FIX}", pytrace=False)


def test_babel_cfg_covers_every_template():
    """A template type babel.cfg does not map would silently stay in English."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, _options = parse_mapping_cfg(f)
    patterns = [pattern for pattern, method in method_map if method != "ignore"]
    unmapped = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file()
        and not any(pathmatch(p, path.relative_to(ROOT).as_posix()) for p in patterns)
    ]
    assert not unmapped, (
        f"babel.cfg extracts no strings from {unmapped}: add a `[jinja2: templates/**.<ext>]` "
        "section for their extension, then run `make translations`."
    )


def test_compiled_catalog_matches_the_po(catalog):
    """Only complete translations are compared: `pybabel compile` leaves out empty ones
    (or fills plural forms with the English) and the completeness test reports them."""
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing. {FIX}"
    with MO.open("rb") as f:
        compiled = {_key(m): _forms(m) for m in read_mo(f) if m.id}
    entries = _entries(catalog)
    source = {k: _forms(m) for k, m in entries.items() if all(_forms(m)) and not m.fuzzy}
    missing = sorted(set(source) - set(compiled), key=str)
    extra = sorted(set(compiled) - set(entries), key=str)
    changed = sorted((k for k in set(source) & set(compiled) if source[k] != compiled[k]), key=str)
    if missing or extra or changed:
        pytest.fail(
            "portal/translations/fr/LC_MESSAGES/messages.mo is older than the .po "
            f"({len(missing)} missing, {len(extra)} extra, {len(changed)} changed message(s)):\n"
            + "\n".join(map(_show, (missing + extra + changed)[:20]))
            + "\n\nRun `make translations` (or `pybabel compile -d portal/translations`).",
            pytrace=False,
        )


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("fr", ["Mot de passe", "Se connecter"], "Password"),
        ("en", ["Password", "Log in"], "Mot de passe"),
    ],
)
def test_login_page_speaks_the_browser_language(client, owner, language, expected, absent):
    response = client.get("/login", headers={"Accept-Language": language})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in expected:
        assert text in page
    assert absent not in page


def test_dashboard_in_french(client, logged_in):
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Balance âgée" in page and "Encours" in page and "Se déconnecter" in page
    assert "Aged balance" not in page
