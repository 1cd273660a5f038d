"""Waiting lists and their entries: the general list, the internal list and youth lists."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, DwellingKind, Household, HousingOrganisation, Person, Tenant


class ListKind(models.TextChoices):
    GENERAL = "general", _("General waiting list (almindelig venteliste)")
    INTERNAL = "internal", _("Internal list (oprykningsventeliste)")
    YOUTH = "youth", _("Youth dwelling list")


class EducationLevel(models.TextChoices):
    """The level of the education a youth-list applicant is in — one of the educational facts a
    § 12, stk. 2 letting guideline may weigh."""

    YOUTH_EDUCATION = "youth_education", _("Youth education (ungdomsuddannelse)")
    VOCATIONAL = "vocational", _("Vocational education (erhvervsuddannelse)")
    SHORT_HIGHER = "short_higher", _("Short-cycle higher education (kort videregående)")
    MEDIUM_HIGHER = "medium_higher", _("Medium-cycle higher education (mellemlang videregående)")
    LONG_HIGHER = "long_higher", _("Long-cycle higher education (lang videregående)")
    OTHER = "other", _("Other education")


class WaitingList(models.Model):
    """A list run by one data controller. The general list is one list for all the
    organisation's departments, or one list shared by several organisations (R3.2); the internal
    list belongs to one organisation (R2.2, R3.10)."""

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="waiting_lists"
    )
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waiting_lists",
        help_text=_("For an internal list: the organisation whose tenants it serves."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("waiting list")
        verbose_name_plural = _("waiting lists")
        ordering = ["controller__name", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["controller", "kind", "name"], name="unique_waiting_list_name"),
            models.CheckConstraint(
                condition=~Q(kind="internal") | Q(organisation__isnull=False),
                name="internal_list_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("waitinglists:list_overview", args=[self.pk])


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PASSIVE = "passive", _("Passive (i bero)")
    DELETED = "deleted", _("Deleted")


class SeniorityBasis(models.TextChoices):
    REGISTRATION = "registration", _("Registration date")
    ANDELS_2010 = (
        "andels_2010",
        _("Membership of an almen andelsboligorganisation on 1 January 2010 (R2.3–R2.4)"),
    )
    TAKEOVER = "takeover", _("Took over a dwelling other than from the list (R3.8)")
    GENERAL_LIST_DATE = "general_list_date", _("Date on the general list (R9.3)")
    TRANSFER = "transfer", _("Transferred seniority (R32–R33)")
    KEPT_ON_LEASE = "kept_on_lease", _("Kept on signing a lease (R3.6–R3.7)")
    LEGACY = "legacy", _("Imported from the former system")


class DeletionReason(models.TextChoices):
    UNPAID_FEE = "unpaid_fee", _("Fee not paid despite a reminder (R3.3)")
    LEASE_SIGNED = "lease_signed", _("Signed a lease (R3.5)")
    OWN_REQUEST = "own_request", _("At the applicant's request")
    DEATH = "death", _("Death")
    TRANSFERRED = "transferred", _("Place transferred (R32–R33)")
    OTHER = "other", _("Other")


class Entry(models.Model):
    """One person's place on one waiting list: seniority, status, wishes and fees paid until."""

    waiting_list = models.ForeignKey(
        WaitingList, verbose_name=_("waiting list"), on_delete=models.PROTECT, related_name="entries"
    )
    # The list's controller, kept on the row so every scoped query is a single indexed filter.
    controller = models.ForeignKey(
        Tenant,
        verbose_name=_("data controller"),
        on_delete=models.PROTECT,
        related_name="waiting_list_entries",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="entries"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_on = models.DateField(_("registered on"))
    seniority_date = models.DateField(_("seniority date"))
    seniority_basis = models.CharField(
        _("seniority from"),
        max_length=30,
        choices=SeniorityBasis.choices,
        default=SeniorityBasis.REGISTRATION,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    status_note = models.CharField(_("status note"), max_length=300, blank=True)
    deleted_on = models.DateField(_("deleted on"), null=True, blank=True)
    deletion_reason = models.CharField(
        _("deletion reason"), max_length=20, choices=DeletionReason.choices, blank=True
    )
    paid_until = models.DateField(_("fees paid until"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=20, unique=True)
    # Rules that shape seniority and fees.
    age_exception = models.BooleanField(
        _("continues a tenancy under almenlejeloven §§ 71–72 (no age limit)"), default=False
    )
    andels_member_since = models.DateField(
        _("member of the andelsboligorganisation since (R2.3–R2.4)"), null=True, blank=True
    )
    # The facts § 2, stk. 3 asks for besides the membership on 1 January 2010.
    andels_tenant_on_cutoff = models.BooleanField(_("tenant on 1 January 2010 (R2.3)"), default=False)
    andels_general_list_on = models.DateField(
        _("admitted to the general list on (R2.3: by 1 June 2010)"), null=True, blank=True
    )
    listed_before_seniority_scheme = models.BooleanField(
        _("on the internal list when the R9.3 decision took effect (R9.4)"), default=False
    )
    rehoused_outside = models.BooleanField(_("rehoused outside the organisation (R9.2)"), default=False)
    fee_exempt_registration = models.BooleanField(
        _("admitted without registration fee (R2.2, R2.3–R2.4)"), default=False
    )
    # Wishes.
    departments = models.ManyToManyField(
        Department, verbose_name=_("wanted departments"), blank=True, related_name="wishing_entries"
    )
    dwelling_kinds = models.JSONField(_("wanted dwelling kinds"), default=list, blank=True)
    rooms_min = models.PositiveSmallIntegerField(
        _("rooms at least"), default=1, validators=[MinValueValidator(1)]
    )
    rooms_max = models.PositiveSmallIntegerField(
        _("rooms at most"), default=6, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    max_rent = models.DecimalField(
        _("highest monthly rent"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    floor_max = models.SmallIntegerField(_("highest floor"), null=True, blank=True)
    needs_elevator = models.BooleanField(_("needs an elevator"), default=False)
    # Youth lists (R12–R13).
    education_institution = models.CharField(_("education institution"), max_length=200, blank=True)
    education_expected_end = models.DateField(_("education expected to end"), null=True, blank=True)
    special_need = models.CharField(_("special need"), max_length=300, blank=True)
    needs_support = models.BooleanField(_("needs support (startbolig, R12.1)"), default=False)
    # The educational, economic and social facts a § 12, stk. 2 letting guideline weighs (R12.2).
    education_level = models.CharField(
        _("education level"), max_length=20, choices=EducationLevel.choices, blank=True
    )
    annual_income = models.DecimalField(
        _("documented yearly income (DKK)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("As documented by the applicant; empty: not documented (R12.2)."),
    )
    social_need = models.CharField(
        _("documented social circumstances"),
        max_length=300,
        blank=True,
        help_text=_("The documented social circumstances a letting guideline weighs (§ 12, stk. 2, R12.2)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    # The person's "first name(s) last name", kept by the database (a trigger on the person and on
    # the entry, migration 0014) so a name search on a list reads one trigram index over the list's
    # entries (``waitinglists.filters``, ``entry_search_name_trgm_idx``). Derived, so not in history.
    search_name = models.TextField(editable=False, default="")
    history = HistoricalRecords(m2m_fields=[departments], excluded_fields=["search_name"])

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        ordering = ["seniority_date", "id"]
        constraints = [
            # One living place per person and list: registering twice is refused (the service
            # names the existing entry); a deleted entry does not block a new registration.
            models.UniqueConstraint(
                fields=["waiting_list", "person"],
                condition=~Q(status="deleted"),
                name="one_open_entry_per_list",
            ),
            models.CheckConstraint(
                condition=Q(rooms_min__lte=models.F("rooms_max")), name="entry_rooms_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="deleted", deleted_on__isnull=False)
                | (~Q(status="deleted") & Q(deleted_on__isnull=True)),
                name="entry_deleted_on_iff_deleted",
            ),
        ]
        indexes = [
            # List order and position lookups: (list, status, seniority, id) is the queue.
            models.Index(fields=["waiting_list", "status", "seniority_date", "id"], name="entry_queue_idx"),
            # The internal list's order under R9.4: those on it before the R9.3 decision first.
            models.Index(
                fields=["waiting_list", "status", "listed_before_seniority_scheme", "seniority_date", "id"],
                name="entry_r94_queue_idx",
            ),
            # A list page in queue order, read as an index-only scan however deep the page
            # (``selectors.list_page``): the list's living entries in the order of QUEUE_ORDER, with
            # the columns the page's scoped filter reads.
            models.Index(
                fields=["waiting_list", "-listed_before_seniority_scheme", "seniority_date", "id"],
                # search_name: a common name's search ("Han") walks the list in this order and
                # checks the name from the index, not from each row.
                include=["status", "controller", "search_name"],
                name="entry_list_page_idx",
                condition=~Q(status="deleted"),
            ),
            # "New this month" on the lists overview: one range of this month's registrations.
            models.Index(
                fields=["registered_on"], include=["waiting_list", "status"], name="entry_registered_idx"
            ),
            models.Index(fields=["controller", "status"], name="entry_controller_idx"),
            models.Index(fields=["status", "paid_until"], name="entry_fee_idx"),
            # The few tenants rehoused outside the organisation who kept their internal seniority
            # (R9.2): the ranking reads them whole on every internal turn, without walking the list.
            models.Index(
                fields=["waiting_list"], condition=Q(rehoused_outside=True), name="entry_rehoused_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} – {self.waiting_list}"

    def get_absolute_url(self) -> str:
        return reverse("waitinglists:entry_detail", args=[self.pk])

    @property
    def dwelling_kind_labels(self) -> list[str]:
        labels = dict(DwellingKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.dwelling_kinds]
