"""Stored codes and English sentences, shown in the user's language: the one place that maps them.

Rows keep what the rules wrote — codes (``passive``, ``sent``) and English sentences (a vacancy's
channel reason, a lease's basis) — so that a record reads the same whoever wrote it and whatever
the language of the page then was. The pages translate on display, through the template filters of
``housing.templatetags.display``:

* ``code_label`` — a code that is not the value of a model field's choices (the ranking's exclusion
  codes, a job's counter keys); a field's own code is shown with ``get_FOO_display``.
* ``counter_text`` — a job run's counter, with the right plural (``1 sendt``, ``0 fejlede``).
* ``stored_text`` — a stored sentence or a run of them: each sentence below is found in the text,
  its facts (numbers, dates, names) taken out, and it is rendered through gettext with the facts put
  back; dates follow the locale. Text that matches no sentence (written by a person, or already in
  Danish) is shown as it is.

A higher app adds a translator for a placeholder with ``register_value_translator`` (the allocation
app turns the ranking's explanation in ``%(why)s`` into the user's language).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from functools import cache

from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, ngettext_lazy
from django.utils.translation import gettext_lazy as _

# --- Codes without a field --------------------------------------------------------------------------

CODE_LABELS = {
    # The ranking's exclusions (allocation.rules.ranking: Excluded.rule); rule ids (R7, R8.3 …) are
    # shown as they are.
    "passive": _("Passive (i bero)"),
    "wishes": _("The wishes do not fit"),
    # A job run's counter keys (letters.jobs.Progress.count), as the name of what was counted.
    "sent": _("Sent"),
    "failed": _("Failed"),
    "batched": _("Put in a print batch"),
    "batches": _("Print batches"),
    "deleted": _("Deleted"),
    "charged": _("Fees charged"),
    "reminded": _("Reminded"),
    "reminders_sent": _("Reminders sent"),
    "reminders_failed": _("Reminders failed"),
    "reminders_waiting": _("Reminders waiting"),
    "lapsed": _("Lapsed"),
    "closed": _("Closed"),
    "warned": _("Warned"),
    "rebuilt": _("Lists rebuilt"),
}


def code_label(code: object) -> str:
    """The label of a code (``passive`` → "I bero"); a rule id or an unknown code as it is."""
    text = "" if code is None else str(code)
    label = CODE_LABELS.get(text)
    return str(label) if label is not None else text


# --- A job run's counters -----------------------------------------------------------------------------

# Counter key (letters.jobs.Progress.count) → its text, singular and plural, with %(count)s.
COUNTERS = {
    "sent": ngettext_lazy("%(count)s sent", "%(count)s sent", "count"),
    "failed": ngettext_lazy("%(count)s failed", "%(count)s failed", "count"),
    "batched": ngettext_lazy("%(count)s put in a print batch", "%(count)s put in a print batch", "count"),
    "batches": ngettext_lazy("%(count)s print batch", "%(count)s print batches", "count"),
    "deleted": ngettext_lazy("%(count)s deleted", "%(count)s deleted", "count"),
    "charged": ngettext_lazy("%(count)s fee charged", "%(count)s fees charged", "count"),
    "reminded": ngettext_lazy("%(count)s reminded", "%(count)s reminded", "count"),
    "reminders_sent": ngettext_lazy("%(count)s reminder sent", "%(count)s reminders sent", "count"),
    "reminders_failed": ngettext_lazy("%(count)s reminder failed", "%(count)s reminders failed", "count"),
    "reminders_waiting": ngettext_lazy("%(count)s reminder waiting", "%(count)s reminders waiting", "count"),
    "lapsed": ngettext_lazy("%(count)s lapsed", "%(count)s lapsed", "count"),
    "closed": ngettext_lazy("%(count)s closed", "%(count)s closed", "count"),
    "warned": ngettext_lazy("%(count)s warned", "%(count)s warned", "count"),
    "rebuilt": ngettext_lazy("%(count)s list rebuilt", "%(count)s lists rebuilt", "count"),
}


def counter_text(key: object, count: object) -> str:
    """``sent``, 1 → "1 sendt"; an unknown key as "key: count"."""
    text = COUNTERS.get(str(key))
    if text is None or not isinstance(count, int):
        return f"{key}: {count}"
    return text % {"count": count}


# --- Field names ------------------------------------------------------------------------------------

# The fields declared without a verbose name get Django's default (the field's name with spaces),
# which no catalogue translates: their names for a person, used wherever a field is named on a page.
FIELD_LABELS = {
    "advert": _("advert"),
    "answered by": _("answered by"),
    "applicant letter": _("applicant letter"),
    "claim token": _("claim token"),
    "claimed until": _("claimed until"),
    "committed by": _("committed by"),
    "controller": _("controller"),
    "counted": _("counted"),
    "created by": _("created by"),
    "decided by": _("decided by"),
    "decision letter": _("decision letter"),
    "department": _("department"),
    "drawn by": _("drawn by"),
    "end letter": _("end letter"),
    "entry": _("entry"),
    "forwarded by": _("forwarded by"),
    "from entry": _("from entry"),
    "guarantee entry": _("guarantee entry"),
    "issued by": _("issued by"),
    "job run": _("job run"),
    "judged by": _("judged by"),
    "key": _("key"),
    "kommune": _("kommune"),
    "letter": _("letter"),
    "name": _("name"),
    "next value": _("next value"),
    "no guarantee letter": _("no guarantee letter"),
    "nominated by": _("nominated by"),
    "offer": _("offer"),
    "offer letter": _("offer letter"),
    "offered by": _("offered by"),
    "opened by": _("opened by"),
    "organisation": _("organisation"),
    "person": _("person"),
    "recorded by": _("recorded by"),
    "registered by": _("registered by"),
    "rejection": _("rejection"),
    "requested by": _("requested by"),
    "sender identifier type": _("sender identifier type"),
    "signed by": _("signed by"),
    "specific entry": _("specific entry"),
    "tenant": _("tenant"),
    "to entry": _("to entry"),
    "uploaded by": _("uploaded by"),
    "vacancy": _("vacancy"),
    "waiting list": _("waiting list"),
}


def field_label(field) -> str:
    """A model field's name for a person, in the active language and capitalised."""
    name = field.verbose_name
    if isinstance(name, str) and name in FIELD_LABELS:
        name = FIELD_LABELS[name]
    return capfirst(str(name))


# --- Stored sentences ---------------------------------------------------------------------------------

# English sentences the rules and services store, each an msgid; %(name)s marks a fact.
STORED_SENTENCES = [
    # The channel (allocation.rules.channels, § 1): out of scope, rehousing, the channels.
    gettext_noop("R1.2: a mixed lease with non-residential premises is not covered by the letting rules."),
    gettext_noop("R1.3: a single room marked as a family dwelling is not covered by the letting rules."),
    gettext_noop("R1.3: a staff dwelling is not covered by the letting rules."),
    gettext_noop(
        "R1.9: an urban-renewal dwelling fitted for elderly and disabled persons (§ 1, stk. 1, nr. 5); "
        "§§ 2–13, 15–18 and 26–40 do not apply."
    ),
    gettext_noop("R1.1: an almen dwelling owned by a housing organisation."),
    gettext_noop(
        "R1.1: an almen elder dwelling owned by a kommune, a region or a self-governing institution."
    ),
    gettext_noop("R1.1: an unsupported private plejebolig."),
    gettext_noop("R1.1: an almen youth dwelling owned by a self-governing institution."),
    gettext_noop(
        "R1.1: a plejehjem place is not a dwelling covered by the letting rules; it counts only in the "
        "nursing-dwelling guarantee (§§ 15–18)."
    ),
    gettext_noop("R1.1: the letting rules do not cover this kind of dwelling with this owner (§ 1, stk. 1)."),
    gettext_noop("R1.5: used for rehousing; §§ 2–11 and 26–30 do not apply."),
    gettext_noop("Not let from the waiting lists: the kommune nominates the tenant (§ 14)."),
    gettext_noop(
        "R5.5: the kommune has decided that dwellings reserved or fitted for elderly and disabled "
        "persons (R5.1) are let like elder dwellings; the kommune nominates the tenant (R14.1)."
    ),
    gettext_noop(
        "R1.4: under the agreement every %(n)s. vacant family dwelling goes to the kommune, and this is "
        "one; §§ 2–11 and 26–30 do not bind the kommune."
    ),
    gettext_noop(
        "R1.6: let by advertising under the agreement with the kommune; §§ 2–11 do not apply (see § 38)."
    ),
    gettext_noop("R1.7: let by the criteria agreed with the kommune (fleksibel udlejning)."),
    gettext_noop("Let from the waiting lists (§§ 2–11)."),
    gettext_noop(
        "R1.8: an udslusningsbolig under an agreement approved by %(by)s: §§ 6–7 may be set aside in the "
        "lease, which states for how long (at most 2 years from its start)."
    ),
    gettext_noop("R1.8: an inklusionsbolig under an agreement approved by %(by)s: §§ 6–7 may be set aside."),
    # What allocation.services.vacancies adds to the channel reason.
    gettext_noop("R12.5: the kommune decided on %(day)s that the dwelling is let as a youth dwelling again."),
    gettext_noop("Family vacancy no. %(n)s: %(turn)s."),
    gettext_noop("The turn was given back by a vacancy cancelled before it was let."),
    gettext_noop("Cancelled before it was let: %(turn)s is given back."),
    # A lease's basis (allocation.services.leases, adverts, nominations).
    gettext_noop("Letting by advertising (§ 38): place %(place)s in the lottery drawn by the auditor."),
    gettext_noop("Letting by advertising (§ 38): the only qualified applicant."),
    gettext_noop("Let like an elder dwelling (R5.5, R14.1): named by %(kommune)s Kommune on %(day)s."),
    gettext_noop("Kommunal anvisning (R1.4): named by %(kommune)s Kommune on %(day)s."),
    gettext_noop("Offer round %(n)s, rank %(rank)s: %(why)s"),
]

# Facts that are themselves English phrases of the rules (translated when they fill a placeholder).
STORED_PHRASES = {
    gettext_noop("the nominating authority"),
    gettext_noop("the kommune"),
    gettext_noop("the internal list's turn (§ 7)"),
    gettext_noop("the general list's turn"),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_value_translators: dict[str, Callable[[str], str]] = {}


def register_value_translator(placeholder: str, translate: Callable[[str], str]) -> None:
    """Let a higher app translate the fact in ``%(placeholder)s`` (called from its AppConfig.ready)."""
    _value_translators[placeholder] = translate


def _pattern(msgid: str) -> re.Pattern:
    parts = _PLACEHOLDER.split(msgid)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        else:
            last = i == len(parts) - 2 and parts[-1] == ""
            regex += rf"(?P<{part}>.+)" if last else rf"(?P<{part}>.+?)"
    return re.compile(regex)


@cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    return [(msgid, _pattern(msgid)) for msgid in STORED_SENTENCES]


def _value(name: str, value: str) -> str:
    if name in _value_translators:
        return _value_translators[name](value)
    if value in STORED_PHRASES:
        return gettext(value)
    if _ISO_DAY.fullmatch(value):
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return value


def stored_text(text: object) -> str:
    """A stored text in the active language: each known sentence translated, the rest as it is."""
    text = "" if text is None else str(text)
    out: list[str] = []
    pos = 0
    while pos < len(text):
        best: tuple[str, re.Match] | None = None
        for msgid, pattern in _patterns():
            match = pattern.search(text, pos)
            if match and (best is None or match.start() < best[1].start()):
                best = (msgid, match)
        if best is None:
            out.append(text[pos:])
            break
        msgid, match = best
        out.append(text[pos : match.start()])
        values = {name: _value(name, value) for name, value in match.groupdict().items()}
        out.append(gettext(msgid) % values if values else gettext(msgid))
        pos = max(match.end(), pos + 1)
    return "".join(out)


def percent(fraction: object, decimals: int = 1) -> str:
    """A share as a percentage in the locale's format: 0.219 → "21,9 %" (a non-breaking space before
    the sign, as Danish writes it)."""
    if fraction is None or fraction == "":
        return ""
    return f"{number_format(float(fraction) * 100, decimals)}\u00a0%"


def label(text: object) -> str:
    """A model's or a form's label as a heading: its first letter capital (verbose names are
    written in lower case, as Django's own)."""
    return capfirst(str(text)) if text is not None else ""
