"""The hostile-input walk, as a project test.

Every persona (caseworker, read-only, kommune officer, auditor, administrator — the last also
through the admin's add and change forms) walks every URL pattern, GETs each page, and collects
its ``<form method="post">`` elements with their fields. Each distinct form is then submitted in
rounds; in each round every field gets a hostile value of its kind (NUL byte, 10,000 characters,
dates 9999-12-31 and 0001-01-01, negative and huge numbers, ids that are not ids, right-to-left
and emoji text, SQL, HTML and template injection, a CPR-shaped string). No answer may be a 5xx,
and an answer that is not a redirect (an error, or the form shown again) may not have saved
anything: the row count of every project table is the same after it as before.

The figures (forms found, submissions tried, 5xx) are printed and asserted.
"""

from __future__ import annotations

import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import get_resolver

from housing.input_limits import EARLIEST_DATE, LATEST_DATE
from housing.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.system.test_tenant_walk import _fill, _walk, world_a  # noqa: F401  (world_a is a fixture)

pytestmark = pytest.mark.django_db

TIME_BUDGET_SECONDS = 90
PROJECT_APPS = {
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
}

LONG = "x" * 10_000
TEXT_VALUES = [
    "a\x00b",
    LONG,
    "\u202eRTL\u202c ﷽ 😀👩‍👩‍👧 \u200b",
    "'; DROP TABLE housing_person; -- \" OR 1=1",
    "<script>alert(1)</script><img src=x onerror=alert(1)>{{ 7|add:7 }}{% now 'Y' %}${7*7}",
    "010190-1234",
]
DATE_VALUES = ["9999-12-31", "0001-01-01", "2020-02-31", LONG, "-1", "31.12.9999"]
NUMBER_VALUES = ["-1", "9" * 30, "abc", "1e400", "NaN", "-99999999999"]
ID_VALUES = ["abc", "-1", "9" * 30, "1 OR 1=1", "\u202e1", "0101901234"]
ROUNDS = max(len(TEXT_VALUES), len(DATE_VALUES), len(NUMBER_VALUES), len(ID_VALUES))

# Pages that end the session or only switch the language are not walked; the admin's delete
# pages delete on any POST (that is their purpose, with a confirmation page first).
SKIP_NAMES = {"logout", "admin:logout", "set_language", "admin:password_change", "admin:password_change_done"}
# Tables that a request may write to whatever its answer: sessions, login attempts, and the
# personal-data access log (a page shown again with its errors, or a CSV of the access log, is a
# read of the person's data and is logged as such — not a save of the submitted form).
VOLATILE_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "housing_personaldataaccess",
}
DATE_NAME_HINTS = ("date", "_on", "_from", "_until", "_to", "_by", "born", "day")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value, options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {"action": a.get("action") or "", "fields": [], "enctype": a.get("enctype", "")}
                self.forms.append(self._form)
            else:
                self._form = None
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                if name:
                    self._form["fields"].append({"name": name, "kind": "submit", "value": a.get("value", "")})
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                kind = kind + "-unchecked"
            self._form["fields"].append({"name": name, "kind": kind, "value": a.get("value", ""), "attrs": a})
        elif tag == "textarea" and name:
            self._form["fields"].append({"name": name, "kind": "textarea", "value": ""})
        elif tag == "select" and name:
            self._select = {"name": name, "kind": "select", "value": "", "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["value"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _kind(field: dict) -> str:
    name = field["name"].lower()
    kind = field["kind"]
    if kind in ("date", "datetime-local") or "vDateField" in field.get("attrs", {}).get("class", ""):
        return "date"
    if kind == "number":
        return "number"
    if (
        kind in ("select", "hidden")
        or name.endswith(("_id", "_pk", "_selected_action"))
        or name in ("pk", "id")
    ):
        if kind == "hidden" and not (field["value"] or "").lstrip("-").isdigit():
            return "text"
        return "id"
    if any(hint in name for hint in DATE_NAME_HINTS) and kind == "text":
        return "date"
    return "text"


def _hostile(field: dict, round_: int) -> str:
    values = {"date": DATE_VALUES, "number": NUMBER_VALUES, "id": ID_VALUES}.get(_kind(field), TEXT_VALUES)
    return values[round_ % len(values)]


BENIGN = {"text": "Walk", "number": "1", "date": "2026-01-05"}
# After the hostile rounds, two in which only the dates are hostile and every other field holds a
# plausible value (a select its first choice), so that a form can fail on nothing but the date.
DATE_ONLY_ROUNDS = ["9999-12-31", "0001-01-01"]


def _benign(field: dict) -> str:
    kind = _kind(field)
    if kind == "id":
        options = [option for option in field.get("options", []) if option]
        return options[0] if options else field["value"] or "1"
    return field["value"] or BENIGN[kind]


def _date_only_payload(form: dict, hostile_date: str) -> dict:
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        name, kind = field["name"], field["kind"]
        if name in ("csrfmiddlewaretoken", "_selected_action", "action") or kind in (
            "file",
            "checkbox-unchecked",
            "radio-unchecked",
        ):
            continue
        if kind in ("submit", "checkbox", "radio"):
            value = field["value"]
        else:
            value = hostile_date if _kind(field) == "date" else _benign(field)
        data.setdefault(name, []).append(value)
    return data


def _payload(form: dict, round_: int) -> dict:
    if round_ >= ROUNDS:
        return _date_only_payload(form, DATE_ONLY_ROUNDS[round_ - ROUNDS])
    data: dict[str, list[str]] = {}
    for field in form["fields"]:
        name, kind = field["name"], field["kind"]
        if name == "_selected_action":
            # The admin's row checkboxes: ids that are not ids, or no such row.
            data.setdefault(name, []).append(ID_VALUES[round_ % len(ID_VALUES)])
            continue
        if name == "action" and len(field.get("options", [])) > 1:
            # The admin's actions, each in turn, so the ids above reach a real action.
            actions = [option for option in field["options"] if option]
            data[name] = [actions[round_ % len(actions)]]
            continue
        if name == "csrfmiddlewaretoken" or kind in ("file", "checkbox-unchecked", "radio-unchecked"):
            continue
        if (
            kind == "submit"
            or kind in ("checkbox", "radio")
            or name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"))
        ):
            data.setdefault(name, []).append(field["value"])
        else:
            data.setdefault(name, []).append(_hostile(field, round_))
    return data


def _tables() -> list[str]:
    tables = {m._meta.db_table for m in apps.get_models() if m._meta.managed} - VOLATILE_TABLES
    return sorted(tables)


def _row_counts(tables: list[str]) -> tuple[int, ...]:
    # Table names from the models, quoted by the backend: no user input reaches this statement.
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _implausible_dates() -> list[str]:
    """Every date column of the project's models holds only dates within the bound: a hostile date
    that a form accepted would show here (as the seniority scheme dated 9999-12-31 once did)."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField):  # DateTimeField is a DateField too
                column = (
                    f"{field.attname}__date" if isinstance(field, models.DateTimeField) else field.attname
                )
                outside = model._base_manager.filter(
                    **{f"{column}__lt": EARLIEST_DATE}
                ) | model._base_manager.filter(**{f"{column}__gt": LATEST_DATE})
                if outside.exists():
                    found.append(f"{model._meta.label}.{field.name}")
    return found


@pytest.fixture
def auditor_a(org_a):
    user = UserFactory(username="auditor_a")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.AUDITOR)
    return user


def _discover(client, routes, world) -> list[dict]:
    found = []
    for route, name in routes:
        if name in SKIP_NAMES or (name or "").endswith("_delete") or route.endswith("delete/"):
            continue
        try:
            url = _fill(route, name, world)
        except AssertionError:
            continue
        response = client.get(url)
        assert response.status_code < 500, ("GET", url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode("utf-8", errors="replace"))
        for form in parser.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            action_path = urlsplit(action).path
            if action_path.endswith(("/logout/", "/delete/")) or "/i18n/" in action_path:
                continue
            form["url"] = action
            form["page"] = url
            found.append(form)
    return found


def test_no_hostile_input_causes_a_5xx_or_a_partial_save(
    world_a,  # noqa: F811
    client_for,
    caseworker_a,
    read_only_a,
    kommune_officer,
    auditor_a,
    administrator,
    capsys,
):
    started = time.monotonic()
    routes = list(_walk(get_resolver().url_patterns))
    personas = {
        "caseworker": caseworker_a,
        "read_only": read_only_a,
        "kommune_officer": kommune_officer,
        "auditor": auditor_a,
        "administrator": administrator,
    }
    tables = _tables()
    seen: set[tuple] = set()
    forms_found = submissions = server_errors = 0
    failures: list[str] = []
    per_persona: dict[str, int] = {}
    for persona, user in personas.items():
        client = client_for(user)
        client.raise_request_exception = False
        forms = _discover(client, routes, world_a)
        per_persona[persona] = len(forms)
        for form in forms:
            key = (
                persona == "administrator",
                urlsplit(form["url"]).path,
                tuple(sorted(f["name"] for f in form["fields"])),
            )
            if key in seen:
                continue
            seen.add(key)
            forms_found += 1
            has_dates = any(_kind(f) == "date" for f in form["fields"])
            for round_ in range(ROUNDS + (len(DATE_ONLY_ROUNDS) if has_dates else 0)):
                data = _payload(form, round_)
                before = _row_counts(tables)
                response = client.post(form["url"], data)
                submissions += 1
                if response.status_code >= 500:
                    server_errors += 1
                    failures.append(f"{persona}: {response.status_code} at POST {form['url']} round {round_}")
                    continue
                if response.status_code not in (301, 302, 303):
                    after = _row_counts(tables)
                    if after != before:
                        changed = [t for t, b, a in zip(tables, before, after, strict=True) if a != b]
                        failures.append(
                            f"{persona}: {response.status_code} at POST {form['url']} "
                            f"round {round_} saved {changed}"
                        )
    implausible = _implausible_dates()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nhostile walk: forms found {forms_found} (per persona {per_persona}), "
            f"submissions {submissions}, 5xx {server_errors}, {elapsed:.0f} s"
        )
    assert not failures, "\n".join(failures[:40])
    assert not implausible, f"dates outside {EARLIEST_DATE}–{LATEST_DATE} were saved: {implausible}"
    assert server_errors == 0
    # The walk must actually reach the forms: the staff pages' and the admin's.
    assert forms_found >= 50 and per_persona["administrator"] >= 30 and per_persona["caseworker"] >= 10
    assert elapsed < TIME_BUDGET_SECONDS * 2, f"the walk took {elapsed:.0f} s"


def test_the_walk_gives_every_kind_of_field_every_hostile_value():
    """Each field kind cycles through all its values within ROUNDS submissions."""
    for kind, values in (
        ("text", TEXT_VALUES),
        ("date", DATE_VALUES),
        ("number", NUMBER_VALUES),
        ("id", ID_VALUES),
    ):
        field = {
            "name": {"text": "note", "date": "decided_on", "number": "rooms", "id": "kommune"}[kind],
            "kind": {"text": "text", "date": "date", "number": "number", "id": "select"}[kind],
            "value": "",
        }
        assert _kind(field) == kind
        assert {_hostile(field, r) for r in range(ROUNDS)} == set(values)
