"""The state-change log: one row per move of a case through its state machine.

``housing.state_machine.StateMachine.move`` writes a row in the same transaction as the history row
of the changed object, so a case's course (who moved it from which state to which, when and why) can
be read without diffing its history. Append-only: rows are never changed or deleted, which is why the
log has no simple-history of its own.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class StateChange(models.Model):
    # PROTECT: removing a model's content type must not silently drop the course of its cases.
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of case"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("case id"))
    subject = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("field"), max_length=100)
    from_state = models.CharField(_("from state"), max_length=50)
    to_state = models.CharField(_("to state"), max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="state_changes",
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="state_change_subject_at"),
        ]

    def __str__(self) -> str:
        return (
            f"{capfirst(self._model_name())} #{self.object_id} {self.field_label}: "
            f"{self.from_state_label} → {self.to_state_label}"
        )

    # The log keeps the states' codes; a person reads them by the state field's choices.
    def _model_name(self) -> str:
        model = self.content_type.model_class()
        return str(model._meta.verbose_name) if model else self.content_type.model

    def _state_field(self):
        model = self.content_type.model_class()
        try:
            return model._meta.get_field(self.field) if model else None
        except FieldDoesNotExist:
            return None

    def _state_label(self, code: str) -> str:
        field = self._state_field()
        return str(dict(field.flatchoices).get(code, code)) if field is not None and field.choices else code

    @property
    def field_label(self) -> str:
        field = self._state_field()
        return str(field.verbose_name) if field is not None else self.field

    @property
    def from_state_label(self) -> str:
        return self._state_label(self.from_state)

    @property
    def to_state_label(self) -> str:
        return self._state_label(self.to_state)
