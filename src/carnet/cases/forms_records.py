"""Forms of the notes-and-documents section and of exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import DocumentKind
from carnet.cases.services_exports import ExportPurpose
from carnet.cases.services_records import ACCEPT_ATTRIBUTE, NOTE_MAX_CHARS, megabytes, upload_max_bytes


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Notes are encrypted and visible only to the people who can see this case."),
    )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    kind = forms.ChoiceField(label=_("Type of document"), choices=DocumentKind.choices, initial=DocumentKind.OTHER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = megabytes(upload_max_bytes())
        self.fields["file"].help_text = _(
            "PDF, PNG, JPEG, plain text, Word (DOCX) or OpenDocument text (ODT), at most %(max)s MB. "
            "The content must match the file's extension."
        ) % {"max": limit}


class ExportForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What is the export for?"),
        choices=ExportPurpose.choices,
        widget=forms.RadioSelect,
        help_text=_("Each purpose carries only the fields it needs. The export is recorded in the audit log with its purpose."),
    )
