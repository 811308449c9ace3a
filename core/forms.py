"""How form fields are drawn: Django's Jinja2 form templates, read once per process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.forms import renderers
from django.utils.functional import cached_property


class FormRenderer(renderers.Jinja2):
    """Django's Jinja2 form renderer (`FORM_RENDERER`), never re-reading its templates.

    The same HTML as Django's template widgets at about half the CPU. Its templates are Django's
    own (and any app's `jinja2/` directory), which change only with an install; Django's backend
    would have Jinja check each one's modification time on every use while DEBUG is on
    (`auto_reload`): 56 `stat` calls for the generate page's seven fields."""

    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [Path(renderers.__file__).parent / "jinja2"],  # Django's form templates
                "NAME": "djangoforms",
                "OPTIONS": {"auto_reload": False},
            }
        )
