"""The shared state machine (``housing.state_machine``) and its log (``housing.StateChange``).

The machinery is proved on a real model: a machine defined here for the dwelling's owner
(``Dwelling.owner_kind``, a choices field whose values move like states), with the owner's name
as the field that changes together with it. One test walks the table of every machine of the
project (``machines()``) plus this one.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import translation

from housing import state_machine
from housing.fees import AbstractFeeCharge, ChargeState
from housing.models import Dwelling, OwnerKind, StateChange
from housing.selectors import state_changes_of
from housing.state_machine import StateMachine, machine_of, machines, register
from tests.factories import DwellingFactory
from tests.state_machine_support import assert_machine_walk


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in the source language (the project's default is Danish)."""
    with translation.override("en"):
        yield


REASON = "Ejerskiftet er tinglyst"

OWNERS = StateMachine(
    field="owner_kind",
    transitions={
        OwnerKind.ORGANISATION: {OwnerKind.KOMMUNE, OwnerKind.INSTITUTION},
        OwnerKind.KOMMUNE: {OwnerKind.ORGANISATION, OwnerKind.REGION},
        OwnerKind.REGION: {OwnerKind.PRIVATE},
        OwnerKind.INSTITUTION: {OwnerKind.ORGANISATION},
        OwnerKind.PRIVATE: set(),
    },
)


@pytest.fixture
def dwelling(db) -> Dwelling:
    return DwellingFactory()


@pytest.fixture
def _clean_registry(monkeypatch):
    """Registrations made by a test are forgotten after it."""
    monkeypatch.setattr(state_machine, "_registry", {})


def _dwelling_owned_by(owner: str) -> Dwelling:
    """A saved dwelling with this owner (named, as the model asks, when not the organisation)."""
    return DwellingFactory(owner_kind=owner, owner_name="" if owner == OwnerKind.ORGANISATION else "Ejeren")


def _owner_name_for(source: str, target: str) -> dict[str, str]:
    return {"owner_name": f"Ejer efter {source}"}


def _history_count(obj) -> int:
    return obj.history.count()


def _stored(obj) -> Dwelling:
    return Dwelling.objects.get(pk=obj.pk)


# --- A legal move --------------------------------------------------------------------------------


def test_a_legal_move_saves_with_one_history_row_and_one_state_change(dwelling, caseworker_a):
    before = _history_count(dwelling)

    returned = OWNERS.move(
        dwelling, OwnerKind.KOMMUNE, actor=caseworker_a, reason=REASON, owner_name="Aarhus Kommune"
    )

    assert returned is dwelling
    assert dwelling.owner_kind == OwnerKind.KOMMUNE
    assert _stored(dwelling).owner_kind == OwnerKind.KOMMUNE
    assert _history_count(dwelling) == before + 1
    record = dwelling.history.latest("history_date", "history_id")
    assert (record.history_user, record.history_change_reason) == (caseworker_a, REASON)
    [event] = state_changes_of(dwelling)
    assert (event.field, event.from_state, event.to_state) == ("owner_kind", "organisation", "kommune")
    assert (event.actor, event.reason, event.subject) == (caseworker_a, REASON, dwelling)


def test_the_changes_are_saved_in_the_same_history_row(dwelling, caseworker_a):
    before = _history_count(dwelling)

    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_name="Aarhus Kommune")

    stored = _stored(dwelling)
    assert (stored.owner_kind, stored.owner_name) == ("kommune", "Aarhus Kommune")
    assert _history_count(dwelling) == before + 1
    record = dwelling.history.latest("history_date", "history_id")
    assert (record.owner_kind, record.owner_name, record.history_change_reason) == (
        "kommune",
        "Aarhus Kommune",
        REASON,
    )
    assert StateChange.objects.count() == 1


def test_without_validation_the_model_is_saved_as_it_is(dwelling, caseworker_a):
    """``validate=False`` skips ``full_clean``: here the owner's name the model asks for."""
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, validate=False)

    assert (_stored(dwelling).owner_kind, _stored(dwelling).owner_name) == ("kommune", "")
    assert state_changes_of(dwelling).count() == 1


def test_the_reason_is_stored_without_surrounding_blanks(dwelling, caseworker_a):
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=f"  {REASON}\n", owner_name="Aarhus Kommune")

    assert state_changes_of(dwelling).get().reason == REASON


# --- Refused moves -------------------------------------------------------------------------------


def test_an_illegal_move_is_refused_naming_both_states_and_writes_nothing(dwelling, caseworker_a):
    before = _history_count(dwelling)

    with pytest.raises(ValidationError) as refused:
        OWNERS.move(dwelling, OwnerKind.PRIVATE, actor=caseworker_a, reason=REASON, owner_name="Hr. Privat")

    assert refused.value.code == "invalid_transition"
    assert refused.value.messages == [
        "The owner of the dwelling cannot change from “Housing organisation” "
        "to “Private (unsupported plejebolig)”."
    ]
    assert (dwelling.owner_kind, dwelling.owner_name) == ("organisation", "")
    assert (_stored(dwelling).owner_kind, _history_count(dwelling)) == ("organisation", before)
    assert not StateChange.objects.exists()


def test_the_message_uses_the_machines_label(dwelling, caseworker_a):
    labelled = StateMachine(field="owner_kind", transitions=OWNERS.transitions, label="the dwelling's owner")

    with pytest.raises(ValidationError) as refused:
        labelled.move(dwelling, "private", actor=caseworker_a, reason=REASON)

    assert refused.value.messages == [
        "The dwelling's owner cannot change from “Housing organisation” "
        "to “Private (unsupported plejebolig)”."
    ]


def test_no_move_leaves_a_terminal_state(caseworker_a, db):
    dwelling = _dwelling_owned_by(OwnerKind.PRIVATE)

    assert OWNERS.allowed(dwelling) == frozenset()
    with pytest.raises(ValidationError, match="from “Private"):
        OWNERS.move(dwelling, "organisation", actor=caseworker_a, reason=REASON)


def test_a_move_without_a_reason_is_refused_before_anything_changes(dwelling, caseworker_a):
    with pytest.raises(ValidationError) as refused:
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason="  ", owner_name="Aarhus Kommune")

    assert "change_reason" in refused.value.message_dict
    assert (dwelling.owner_kind, dwelling.owner_name) == ("organisation", "")
    assert _stored(dwelling).owner_kind == "organisation"
    assert not StateChange.objects.exists()


@pytest.mark.parametrize("owner_name", ["", "x" * 201])
def test_a_move_the_model_does_not_validate_writes_nothing_and_restores_the_object(
    dwelling, caseworker_a, owner_name
):
    before = _history_count(dwelling)

    with pytest.raises(ValidationError) as refused:
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_name=owner_name)

    assert "owner_name" in refused.value.message_dict
    assert (dwelling.owner_kind, dwelling.owner_name) == ("organisation", "")
    assert (_stored(dwelling).owner_kind, _history_count(dwelling)) == ("organisation", before)
    assert not StateChange.objects.exists()


def test_a_failed_move_gives_a_changed_foreign_key_back(dwelling, caseworker_a, department_b):
    original = dwelling.department

    with pytest.raises(ValidationError):
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, department=department_b)

    assert dwelling.department_id == original.pk
    assert dwelling.department == original
    assert _stored(dwelling).department_id == original.pk


def test_programming_mistakes_are_type_and_value_errors(dwelling, caseworker_a, db):
    with pytest.raises(ValueError, match="acting user"):
        OWNERS.move(dwelling, "kommune", actor=None, reason=REASON)
    with pytest.raises(ValueError, match="saved object"):
        OWNERS.move(Dwelling(owner_kind="organisation"), "kommune", actor=caseworker_a, reason=REASON)
    with pytest.raises(TypeError, match="no field 'owner'"):
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner="Aarhus")
    with pytest.raises(TypeError, match="target, not one of its changes"):
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_kind="region")
    with pytest.raises(TypeError, match="no field 'history'"):
        OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, history=None)
    assert _stored(dwelling).owner_kind == "organisation"
    assert not StateChange.objects.exists()


# --- The same state: one effect ------------------------------------------------------------------


def test_moving_to_the_current_state_does_nothing(dwelling, caseworker_a):
    before = _history_count(dwelling)

    returned = OWNERS.move(dwelling, "organisation", actor=caseworker_a, reason=REASON, owner_name="Ny ejer")

    assert returned is dwelling
    assert dwelling.owner_name == ""
    assert _stored(dwelling).owner_name == ""
    assert _history_count(dwelling) == before
    assert not StateChange.objects.exists()


def test_a_repeated_move_has_one_effect(dwelling, caseworker_a, caseworker_b):
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_name="Aarhus Kommune")
    after_first = _history_count(dwelling)

    OWNERS.move(dwelling, "kommune", actor=caseworker_b, reason="Igen", owner_name="Anden kommune")

    assert _stored(dwelling).owner_name == "Aarhus Kommune"
    assert _history_count(dwelling) == after_first
    assert [event.actor for event in state_changes_of(dwelling)] == [caseworker_a]


def test_a_stale_copy_moves_from_the_stored_state(dwelling, caseworker_a):
    stale = Dwelling.objects.get(pk=dwelling.pk)
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_name="Aarhus Kommune")

    # The copy still says "organisation", from where "institution" would be allowed; the case is
    # with the kommune now, from where it is not.
    assert OWNERS.can_move(stale, "institution")
    with pytest.raises(ValidationError, match="from “Kommune” to “Self-governing institution”"):
        OWNERS.move(stale, "institution", actor=caseworker_a, reason=REASON, owner_name="Fonden")
    # The same submit from the stale copy is the move already made: nothing more.
    OWNERS.move(stale, "kommune", actor=caseworker_a, reason=REASON)
    assert stale.owner_kind == "kommune"
    assert state_changes_of(dwelling).count() == 1


# --- Asking the machine --------------------------------------------------------------------------


def test_allowed_and_can_move_read_the_objects_state(db):
    dwelling = Dwelling(owner_kind=OwnerKind.KOMMUNE)

    assert OWNERS.allowed(dwelling) == {"organisation", "region"}
    assert OWNERS.can_move(dwelling, OwnerKind.REGION)
    assert OWNERS.can_move(dwelling, "organisation")
    assert not OWNERS.can_move(dwelling, "private")
    assert not OWNERS.can_move(dwelling, "kommune")  # its own state is no transition
    assert OWNERS.terminal == {"private"}
    assert OWNERS.initial_states(Dwelling) == {"organisation"}
    assert ("region", "private") in OWNERS.pairs()
    assert len(OWNERS.pairs()) == 6


# --- The table is checked when the machine is made -----------------------------------------------


def test_the_table_is_checked_when_the_machine_is_made():
    with pytest.raises(ImproperlyConfigured, match="does not list: let"):
        StateMachine(field="stage", transitions={"open": {"offering", "let"}, "offering": set()})
    with pytest.raises(ImproperlyConfigured, match="own successor: open"):
        StateMachine(field="stage", transitions={"open": {"open", "let"}, "let": set()})
    with pytest.raises(ImproperlyConfigured, match="starts in states it does not list: new"):
        StateMachine(field="stage", transitions={"open": set()}, initial=["new"])
    with pytest.raises(ImproperlyConfigured, match="ends in states it does not list: done"):
        StateMachine(field="stage", transitions={"open": set()}, final=["done"])
    with pytest.raises(ImproperlyConfigured, match="no states"):
        StateMachine(field="stage", transitions={})
    with pytest.raises(ImproperlyConfigured, match="name of its field"):
        StateMachine(field="", transitions={"open": set()})
    with pytest.raises(TypeError, match="is a string"):
        StateMachine(field="stage", transitions={"open": {1}})


def test_the_table_is_stored_as_plain_values_and_read_only():
    machine = StateMachine(
        field="state", transitions={ChargeState.OPEN: [ChargeState.PAID], ChargeState.PAID: ()}
    )

    assert dict(machine.transitions) == {"open": frozenset({"paid"}), "paid": frozenset()}
    assert all(type(state) is str for state in machine.states)
    with pytest.raises(TypeError):
        machine.transitions["paid"] = frozenset({"open"})  # type: ignore[index]


def test_problems_compare_the_table_with_the_model():
    assert OWNERS.problems(Dwelling) == []
    missing = StateMachine(
        field="owner_kind", transitions={"organisation": {"kommune"}, "kommune": set(), "nobody": set()}
    )
    assert missing.problems(Dwelling) == [
        "States missing from the table: institution, private, region.",
        "Table states that are no choice: nobody.",
        "Not reachable from organisation: nobody.",
    ]
    trap = StateMachine(
        field="owner_kind",
        transitions={
            "organisation": {"kommune", "private", "institution"},
            "kommune": {"region"},
            "region": {"kommune"},
            "institution": {"organisation"},
            "private": set(),
        },
    )
    assert trap.problems(Dwelling) == ["No way to a terminal state from: kommune, region."]
    # A case may end in a state a later decision can still leave (``final``): no trap then.
    resting = StateMachine(field="owner_kind", transitions=trap.transitions, final={"region"})
    assert resting.problems(Dwelling) == []
    assert resting.ends == {"private", "region"}
    assert StateMachine(field="number", transitions={"1": set()}).problems(Dwelling) == [
        "No initial state: give the field a default or the machine its initial states."
    ]
    assert StateMachine(field="owner", transitions={"a": set()}).problems(Dwelling) == [
        "Dwelling has no field 'owner'."
    ]


# --- Every machine of the project ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "machine"),
    [*machines(), (Dwelling, OWNERS)],
    ids=lambda value: getattr(getattr(value, "_meta", None), "label", None) or getattr(value, "field", None),
)
def test_every_table_is_sound_for_its_model(model, machine):
    """Every state of the table is a choice of the field and every choice a state; every state is
    reachable from an initial state and has a way to a terminal state."""
    assert machine.problems(model) == []


def test_the_walk_of_the_example_machine(caseworker_a):
    tried = assert_machine_walk(OWNERS, _dwelling_owned_by, actor=caseworker_a, changes_for=_owner_name_for)

    assert tried == 25


def test_the_walk_finds_a_machine_that_refuses_to_stay_where_it_is(caseworker_a):
    class Strict(StateMachine):
        __slots__ = ()

        def move(self, obj, to, /, **kwargs):
            if self.state_of(obj) == state_machine.state_value(to):
                raise ValidationError("Already there.", code="invalid_transition")
            return super().move(obj, to, **kwargs)

    with pytest.raises(AssertionError, match="private → private: the same state is refused"):
        assert_machine_walk(
            Strict(field="owner_kind", transitions=OWNERS.transitions),
            _dwelling_owned_by,
            actor=caseworker_a,
            changes_for=_owner_name_for,
        )


def test_the_walk_finds_a_machine_that_allows_what_its_table_does_not(caseworker_a):
    class Lenient(StateMachine):
        __slots__ = ()

        def move(self, obj, to, /, **kwargs):
            obj.owner_kind = str(to)
            obj._history_user, obj._change_reason = kwargs["actor"], kwargs["reason"]
            obj.save()
            return obj

    with pytest.raises(AssertionError, match="organisation → private: allowed, but the table does not"):
        assert_machine_walk(
            Lenient(field="owner_kind", transitions=OWNERS.transitions),
            _dwelling_owned_by,
            actor=caseworker_a,
            changes_for=_owner_name_for,
        )


# --- The registry --------------------------------------------------------------------------------


@pytest.mark.usefixtures("_clean_registry")
def test_registered_machines_are_listed():
    register(Dwelling, OWNERS)
    register(Dwelling, OWNERS)  # the same machine again is harmless

    assert (Dwelling, OWNERS) in machines()
    assert machine_of(Dwelling, "owner_kind") is OWNERS
    with pytest.raises(ImproperlyConfigured, match="already has a state machine"):
        register(Dwelling, StateMachine(field="owner_kind", transitions=OWNERS.transitions))


@pytest.mark.usefixtures("_clean_registry")
def test_machines_declared_on_the_model_are_found(monkeypatch):
    monkeypatch.setattr(Dwelling, "owners", OWNERS, raising=False)

    assert (Dwelling, OWNERS) in machines()


@pytest.mark.usefixtures("_clean_registry")
def test_a_machine_declared_on_an_abstract_model_belongs_to_each_concrete_one(monkeypatch):
    charges = StateMachine(field="state", transitions={"open": {"paid"}, "paid": set()})
    monkeypatch.setattr(AbstractFeeCharge, "charges", charges, raising=False)

    found = {model._meta.label for model, machine in machines() if machine is charges}

    assert "waitinglists.FeeCharge" in found
    assert all(issubclass(model, AbstractFeeCharge) for model, machine in machines() if machine is charges)


# --- The log -------------------------------------------------------------------------------------


def test_state_changes_are_read_oldest_first_at_a_fixed_cost(
    dwelling, caseworker_a, caseworker_b, django_assert_num_queries
):
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason="Første", owner_name="Aarhus Kommune")
    OWNERS.move(dwelling, "region", actor=caseworker_b, reason="Anden", owner_name="Region Midtjylland")
    OWNERS.move(dwelling, "private", actor=caseworker_a, reason="Tredje", owner_name="Hr. Privat")
    other = DwellingFactory()
    OWNERS.move(other, "institution", actor=caseworker_b, reason="Andet hus", owner_name="Fonden")

    with django_assert_num_queries(1):
        rows = [(row.to_state, row.actor.username, row.reason) for row in state_changes_of(dwelling)]

    assert rows == [
        ("kommune", "caseworker_a", "Første"),
        ("region", "caseworker_b", "Anden"),
        ("private", "caseworker_a", "Tredje"),
    ]


def test_the_log_is_read_only_in_the_admin(dwelling, caseworker_a, administrator, client_for):
    OWNERS.move(dwelling, "kommune", actor=caseworker_a, reason=REASON, owner_name="Aarhus Kommune")
    event = state_changes_of(dwelling).get()
    client = client_for(administrator)

    assert client.get(reverse("admin:housing_statechange_changelist")).status_code == 200
    assert client.get(reverse("admin:housing_statechange_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:housing_statechange_add")).status_code == 403
    assert client.get(reverse("admin:housing_statechange_delete", args=[event.pk])).status_code == 403
    response = client.post(
        reverse("admin:housing_statechange_change", args=[event.pk]), {"to_state": "private", "reason": "x"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.to_state, event.reason) == ("kommune", REASON)
