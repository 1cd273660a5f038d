"""Reads of complaints: those against one decision, newest first."""

from __future__ import annotations

from django.db import models

from .models import Complaint


def complaints_against(decision: models.Model) -> list[Complaint]:
    """The complaints against a rejection case, a dispensation decision or an approval request."""
    field = {"RejectionCase": "rejection", "Dispensation": "dispensation", "ApprovalRequest": "approval"}[
        type(decision).__name__
    ]
    return list(
        Complaint.objects.filter(**{field: decision})
        .select_related("recorded_by")
        .order_by("-received_on", "-id")
    )
