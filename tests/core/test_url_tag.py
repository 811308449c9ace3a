"""`{% url %}` remembers its answers: the same as Django's, for every form the tag takes."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_answers_as_djangos_reverse_in_every_form():
    from core.templatetags.links import RememberedURLNode

    parsed = engines["django"].from_string("{% url 'post_list' %}").template.nodelist[0]
    assert isinstance(parsed, RememberedURLNode)  # the builtin library's tag, not Django's
    assert render("{% url 'post_list' %}") == reverse("post_list")
    assert render("{% url 'persona_switch' 7 %}") == reverse("persona_switch", args=[7])
    assert render("{% url 'persona_switch' pk %}", pk=8) == reverse("persona_switch", args=[8])
    assert render("{% url 'post_detail' post_id=9 %}") == reverse("post_detail", args=[9])
    assert render("{% url 'post_list' as there %}<{{ there }}>") == f"<{reverse('post_list')}>"
    assert render("{% url 'no_such_page' as there %}<{{ there }}>") == "<>"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no_such_page' %}")


def test_each_argument_and_the_script_prefix_are_part_of_the_answer():
    assert render("{% url 'persona_switch' 1 %}") != render("{% url 'persona_switch' 2 %}")
    before = render("{% url 'post_list' %}")
    set_script_prefix("/under/")
    try:
        assert render("{% url 'post_list' %}") == "/under/" + before.lstrip("/")
    finally:
        set_script_prefix("/")
    assert render("{% url 'post_list' %}") == before
