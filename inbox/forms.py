from __future__ import annotations

from typing import Any

from django import forms

from inbox.models import InboxStatus
from inbox.selectors import InboxFilters


class FilterForm(forms.Form):
    """The inbox's filters, from the query string (a bad value is ignored, not an error)."""

    status = forms.ChoiceField(
        choices=[(InboxStatus.OPEN, "Needs a reply"), (InboxStatus.DONE, "Done"), ("", "All")],
        required=False,
        label="Show",
    )
    account = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    persona = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    unread = forms.BooleanField(required=False, label="Unread only")
    mine = forms.BooleanField(required=False, label="Assigned to me")
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(
        self,
        *args: Any,
        accounts: list[tuple[int, str]],
        personas: list[tuple[int, str]],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["account"].choices = [("", "Every account"), *accounts]  # type: ignore[attr-defined]
        self.fields["persona"].choices = [("", "Every persona"), *personas]  # type: ignore[attr-defined]

    def filters(self) -> InboxFilters:
        """What the query string asks for; nothing asked (or nonsense): the open items."""
        if not self.is_bound or not self.is_valid():
            return InboxFilters()
        data = self.cleaned_data
        return InboxFilters(
            status=data["status"] if "status" in self.data else InboxStatus.OPEN,
            account_id=data["account"],
            persona_id=data["persona"],
            unread=data["unread"],
            mine=data["mine"],
            query=data["q"].strip(),
        )
