"""Staff memberships: which data controllers a user works for, and in which role."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .tenants import Tenant


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    READ_ONLY = "read_only", _("Read-only")
    KOMMUNE_OFFICER = "kommune_officer", _("Kommune officer")
    # The organisation's auditor (revisor) draws lots for advertised dwellings (R38.3); reads only.
    AUDITOR = "auditor", _("Auditor (revisor)")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    tenant = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} – {self.tenant} ({self.get_role_display()})"

    def clean(self) -> None:
        if not self.tenant_id:
            return
        is_kommune = self.tenant.kind == Tenant.Kind.KOMMUNE
        if is_kommune and self.role != Role.KOMMUNE_OFFICER:
            raise ValidationError({"role": _("Members of a kommune are kommune officers.")})
        if not is_kommune and self.role == Role.KOMMUNE_OFFICER:
            raise ValidationError({"role": _("Kommune officers are members of a kommune.")})

    @property
    def can_write(self) -> bool:
        return self.role in (Role.CASEWORKER, Role.KOMMUNE_OFFICER)
