"""The personal-data access log: every full-CPR view and every read of sensitive data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .persons import Person


class AccessKind(models.TextChoices):
    CPR_REVEALED = "cpr_revealed", _("Full CPR number shown")
    SENSITIVE_READ = "sensitive_read", _("Sensitive data read")
    SENSITIVE_WRITE = "sensitive_write", _("Sensitive data written")
    EXPORT = "export", _("Personal data exported")


class AccessPurpose(models.TextChoices):
    CASE_HANDLING = "case_handling", _("Case handling")
    IDENTITY_CHECK = "identity_check", _("Identity check with the person")
    LETTER = "letter", _("Letter or Digital Post")
    AUTHORITY = "authority", _("Request from an authority")
    ACCESS_REQUEST = "access_request", _("The person's own access request (GDPR art. 15)")
    OTHER = "other", _("Other (described)")


class PersonalDataAccess(models.Model):
    """Append-only: one row per access, kept for the person's access request (GDPR art. 15)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT)
    accessed_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("access"), max_length=20, choices=AccessKind.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=AccessPurpose.choices)
    purpose_text = models.CharField(_("purpose described"), max_length=300, blank=True)
    detail = models.CharField(_("what was read"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-accessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.user} {self.get_kind_display()}"
