"""Form fields are drawn by the Jinja2 form renderer: the same HTML as Django's template widgets."""

from __future__ import annotations

import re

import pytest
from django.forms.renderers import DjangoTemplates, get_default_renderer

from generation.forms import GenerateForm
from personas.forms import PersonaForm

pytestmark = pytest.mark.django_db


def _same(html: str) -> str:
    """Blank lines and the escaped apostrophe's spelling (&#x27; / &#39;) aside."""
    return re.sub(r"\n\s*\n", "\n", html.replace("&#x27;", "&#39;")).strip()


def test_bound_forms_with_errors_draw_as_djangos_templates_draw_them(workspace, persona):
    forms = [
        PersonaForm(
            {"name": "O'Brien <b>", "platform": "nowhere", "timezone": "Mars/Base"},
            workspace=workspace,
        ),
        GenerateForm({"topic": "", "creativity": "300", "opening": "It's late"}, persona=persona),
    ]
    for form in forms:
        assert not form.is_valid()
        ours = form.render()
        assert type(get_default_renderer()).__name__ == "FormRenderer"
        form.renderer = DjangoTemplates()
        assert _same(ours) == _same(form.render())
        assert "O&#39;Brien &lt;b&gt;" in ours or "It&#39;s late" in ours  # kept, escaped
        assert 'class="errorlist"' in ours
