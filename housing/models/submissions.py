"""Form submissions already handled: the idempotency key of every state-changing POST form."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """One submit of one rendered form by one user, and where it sent the user.

    Every POST form carries a fresh key (``housing.templatetags.submission``). The first request
    with a key inserts this row in the same transaction as its effect; a repeated or concurrent
    request with the same key waits for that transaction and then gets the first one's redirect
    instead of a second effect (``housing.idempotency``). A technical record, not a change of
    case data: it carries no personal data and has no history of its own.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="form_submissions",
    )
    key = models.CharField(_("submission key"), max_length=64)
    path = models.CharField(_("path"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("response status"))
    location = models.CharField(_("redirected to"), max_length=2000)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_form_submission_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.path} {self.key}"
