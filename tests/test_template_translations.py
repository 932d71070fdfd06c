"""Templates translate through a per-locale catalog that still obeys the request's locale."""

from flask import render_template_string
from flask_babel import force_locale, get_locale

from portal import i18n

PAGE = "{{ _('Your account') }} · {{ 123456|money }} · {{ ngettext('%(num)d new message', '%(num)d new messages', 2) }}"


def test_each_language_reads_its_own_catalog(app):
    seen = {}
    for language in ("fr", "en", "fr"):
        # a request of its own (the fixture's application context would keep the first locale)
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            seen[language] = render_template_string(PAGE)
            assert i18n.current_locale() == get_locale()
    assert seen["fr"] == "Votre compte · 1\u202f234,56\xa0€ · 2 nouveaux messages"
    assert seen["en"] == "Your account · €1,234.56 · 2 new messages"


def test_a_forced_locale_wins_inside_a_request(app):
    """An email in the customer's language, sent while a page in another is answered."""
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string(PAGE).startswith("Your account")
        with force_locale("fr"):
            assert render_template_string(PAGE).startswith("Votre compte · 1\u202f234,56\xa0€")
        assert render_template_string(PAGE).startswith("Your account · €1,234.56")
