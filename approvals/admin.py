"""Admin for the organisation's petition that the kommune decide on kombineret udlejning (R36.3)."""

from django.contrib import admin
from django.utils import timezone

from housing.admin import AuditedAdmin, AuditedModelForm

from .models import CombinedLettingPetition

PETITION_STATES = CombinedLettingPetition.states


class PetitionForm(AuditedModelForm):
    """The state offers only what the petition's machine allows: a new petition is pending, an
    answered one stays as it was answered."""

    class Meta:
        model = CombinedLettingPetition
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("state")
        if field is None:
            return
        if self.instance.pk is None:
            allowed = PETITION_STATES.initial_states(CombinedLettingPetition)
        else:
            stored = CombinedLettingPetition.objects.values_list("state", flat=True).get(pk=self.instance.pk)
            allowed = {stored} | PETITION_STATES.transitions[stored]
        field.choices = [(value, label) for value, label in field.choices if value in allowed]


@admin.register(CombinedLettingPetition)
class CombinedLettingPetitionAdmin(AuditedAdmin):
    """R36.3: an organisation's petition that the kommune decide on kombineret udlejning; a refusal
    needs the kommune's reasons (checked by the model and the database). The answer moves the
    petition's state through its machine, with the day and the user who recorded it."""

    form = PetitionForm
    list_display = ["organisation", "kommune", "requested_on", "state", "decided_on"]
    list_filter = ["state", "kommune"]
    autocomplete_fields = ["organisation", "kommune"]
    readonly_fields = ["decided_on", "decided_by"]

    def save_model(self, request, obj, form, change):
        if change and "state" in form.changed_data:
            # One save through the machine (the history row with the reason, and the state change).
            PETITION_STATES.move(
                obj,
                obj.state,
                actor=request.user,
                reason=form.cleaned_data[self.change_reason_field],
                decided_on=timezone.localdate(),
                decided_by=request.user,
            )
            return
        super().save_model(request, obj, form, change)
