"""Reminder templates render on a budget: no template can hold the dunning pass."""

import time

import pytest

from portal.services.dunning import message_templates
from portal.services.dunning.message_templates import Budget, TemplateInvalid

CONTEXT = {"customer": {"name": "Boulangerie Martin"}, "invoices": [{"number": "F-1"}], "n": 0}
QUICK = Budget(seconds=0.3, max_chars=50_000)


def render_text(source: str, budget: Budget = QUICK):
    return message_templates.render("Subject", source, "", CONTEXT, budget)


def test_an_ordinary_template_renders_with_its_loops():
    rendered = render_text("{% for i in invoices %}{{ loop.index }}. {{ i.number }}{% endfor %}")
    assert rendered.text == "1. F-1\n"


def test_a_loop_that_never_ends_is_cut_off_by_the_deadline():
    started = time.monotonic()
    with pytest.raises(TemplateInvalid) as error:
        render_text(
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
        )
    assert time.monotonic() - started < 2
    assert error.value.field == "text_body" and error.value.over_budget
    assert str(error.value) == message_templates.TOO_SLOW


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 1000000000 }}",
        "{{ 2 ** 100000000 }}",
        "{% for i in range(100000) %}{{ 'a line of a reminder' }}{% endfor %}",
        "{{ (range(1000)|list) * 1000 }}",
    ],
)
def test_a_message_cannot_grow_beyond_the_output_cap(source):
    with pytest.raises(TemplateInvalid) as error:
        render_text(source)
    assert error.value.over_budget and str(error.value) == message_templates.TOO_LONG


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{{ invoices[1].number }}", "no element 1"),
        ("{{ 1 / n }}", "ZeroDivisionError"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "RecursionError"),
    ],
)
def test_any_error_while_rendering_is_a_template_error_naming_the_part(source, expected):
    with pytest.raises(TemplateInvalid) as error:
        message_templates.render("Subject", "Fine", source, CONTEXT, QUICK)
    assert error.value.field == "html_body" and not error.value.over_budget
    assert expected in str(error.value)
