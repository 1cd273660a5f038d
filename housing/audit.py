"""Audit trail helpers: one history row per change, always with the acting user and a reason.

django-simple-history writes the rows; these helpers make sure every write path (views, admin,
commands, jobs) hands it the user and the reason, and turn history into readable field diffs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import display

# Fields whose values never appear in a diff (encrypted or derived personal data).
HIDDEN_FIELDS = {"cpr_encrypted", "cpr_hash"}


def system_user():
    """The named user that commands and periodic jobs act as in the audit trail."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
    )
    return user


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"change_reason": _("State why the change is made.")})
    return reason


def audited_save(instance: models.Model, *, actor, reason: str, validate: bool = True) -> models.Model:
    """Validate and save once, so exactly one history row records ``actor`` and ``reason``."""
    reason = require_reason(reason)
    if validate:
        instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    try:
        instance.save()
    finally:
        # Forget them, so a later plain save() of the same object cannot reuse an old reason.
        del instance._history_user, instance._change_reason
    return instance


def audited_delete(instance: models.Model, *, actor, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = require_reason(reason)
    instance.delete()


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: Any
    user: str
    type_label: str
    reason: str
    changes: list[FieldChange]


TYPE_LABELS = {"+": gettext_noop("Created"), "~": gettext_noop("Changed"), "-": gettext_noop("Deleted")}


def _display(model: type[models.Model], field: models.Field, value: Any, fk_names: dict) -> str:
    if field.name in HIDDEN_FIELDS:
        return _("(hidden)")
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.ForeignKey):
        return fk_names.get((field.name, value), f"#{value}")
    # Dates in the locale's format (never ISO): DATE_FORMAT / SHORT_DATETIME_FORMAT of the active language.
    if isinstance(field, models.DateTimeField):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return date_format(value, "DATE_FORMAT")
    if isinstance(field, models.DecimalField | models.FloatField):
        return formats.number_format(value)
    if isinstance(field, models.CharField | models.TextField):
        # A sentence the rules stored in English (a channel reason, a lease's basis) in the user's
        # language; text a person wrote is shown as it is.
        return display.stored_text(value)
    return str(value)


def history_rows(obj: models.Model) -> list[HistoryRow]:
    """All history of ``obj``, newest first, as field diffs.

    Costs a fixed number of queries: one for the records (with their users) and one per
    foreign key to name the related rows, however long the history is.
    """
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    model = type(obj)
    tracked = [
        f
        for f in model._meta.concrete_fields
        if f.name != "id" and any(hasattr(r, f.attname) for r in records[:1])
    ]
    fk_names: dict = {}
    for f in tracked:
        if isinstance(f, models.ForeignKey):
            ids = {getattr(r, f.attname) for r in records} - {None}
            for related in f.related_model._default_manager.filter(pk__in=ids):
                fk_names[(f.name, related.pk)] = str(related)
    rows: list[HistoryRow] = []
    previous = None
    for record in records:
        changes = []
        for f in tracked:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if previous is None and record.history_type == "+":
                if new in (None, "", False):
                    continue
            elif new == old:
                continue
            if record.history_type == "-":
                continue
            changes.append(
                FieldChange(
                    field=display.field_label(f),
                    old=_display(model, f, old, fk_names) if previous is not None else "",
                    new=_display(model, f, new, fk_names),
                )
            )
        user = record.history_user
        rows.append(
            HistoryRow(
                when=record.history_date,
                user=(user.get_full_name() or user.get_username()) if user else _("unknown"),
                type_label=_(TYPE_LABELS.get(record.history_type, record.history_type)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    rows.reverse()
    return rows
