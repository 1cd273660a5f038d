"""The job schedules as the administrators see them: each registered job by its name, when it runs
("kl. 02:30, mandag–fredag"), whether it is on, and when it last ran.

A schedule is a django-celery-beat ``PeriodicTask`` of the task ``letters.run_job`` with the job's
name as its argument (as the apps' migrations seed them); ``DatabaseScheduler`` reads it from the
database, so a saved change takes effect at the scheduler's next look. ``schedule_save`` is the one
way to change one: it reuses (or creates) the crontab or interval row — never edits a shared one in
place — and writes a ``JobScheduleChange`` with the user and the reason.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from celery.schedules import ParseException, crontab_parser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from housing.audit import require_reason

from .jobs import JobSpec, registered_jobs
from .models import JobRun, JobScheduleChange

RUN_JOB_TASK = "letters.run_job"

# The weekdays Monday first, as cron numbers them (0 is Sunday).
CRON_WEEKDAYS = (1, 2, 3, 4, 5, 6, 0)
ALL_WEEKDAYS = frozenset(CRON_WEEKDAYS)


class Frequency:
    DAILY = "daily"  # at a time of day on chosen weekdays (a crontab)
    INTERVAL = "interval"  # every so many minutes (an interval)


def weekday_name(cron_day: int) -> str:
    """The weekday's name (``mandag``) of a cron day number (0 is Sunday)."""
    return str(WEEKDAYS[(cron_day - 1) % 7])


def weekday_choices() -> list[tuple[str, str]]:
    return [(str(day), weekday_name(day)) for day in CRON_WEEKDAYS]


def job_of(task: PeriodicTask) -> str:
    """The job a ``letters.run_job`` task runs: its first argument, or its ``name`` keyword."""
    try:
        args = json.loads(task.args or "[]")
    except ValueError:
        args = []
    if isinstance(args, list) and args and isinstance(args[0], str):
        return args[0]
    try:
        kwargs = json.loads(task.kwargs or "{}")
    except ValueError:
        kwargs = {}
    name = kwargs.get("name") if isinstance(kwargs, dict) else None
    return name if isinstance(name, str) else ""


def _single_number(expression: str, limit: int) -> int | None:
    try:
        values = crontab_parser(limit).parse(str(expression))
    except (ParseException, ValueError):
        return None
    return next(iter(values)) if len(values) == 1 else None


def crontab_weekdays(crontab: CrontabSchedule) -> set[int] | None:
    """The cron day numbers the crontab runs on (``None`` if its expression cannot be read)."""
    try:
        return set(crontab_parser(7).parse(str(crontab.day_of_week)))
    except (ParseException, ValueError):
        return None


def crontab_time(crontab: CrontabSchedule) -> datetime.time | None:
    """The one time of day the crontab runs at, if it runs at one (not every hour, say)."""
    hour, minute = _single_number(crontab.hour, 24), _single_number(crontab.minute, 60)
    if hour is None or minute is None:
        return None
    return datetime.time(hour, minute)


def describe_weekdays(days: set[int]) -> str:
    """``alle dage``, ``mandag–fredag``, or the days named: ``mandag, onsdag, fredag``."""
    if set(days) >= ALL_WEEKDAYS:
        return _("all days")
    ordered = [day for day in CRON_WEEKDAYS if day in days]
    positions = [CRON_WEEKDAYS.index(day) for day in ordered]
    if len(ordered) >= 3 and positions == list(range(positions[0], positions[0] + len(positions))):
        return f"{weekday_name(ordered[0])}–{weekday_name(ordered[-1])}"
    return ", ".join(weekday_name(day) for day in ordered)


def describe_interval(interval: IntervalSchedule) -> str:
    every = interval.every
    texts = {
        IntervalSchedule.SECONDS: ngettext("every second", "every %(count)s seconds", every),
        IntervalSchedule.MINUTES: ngettext("every minute", "every %(count)s minutes", every),
        IntervalSchedule.HOURS: ngettext("every hour", "every %(count)s hours", every),
        IntervalSchedule.DAYS: ngettext("every day", "every %(count)s days", every),
    }
    text = texts.get(interval.period, ngettext("every minute", "every %(count)s minutes", every))
    return text % {"count": every}


def describe(task: PeriodicTask | None) -> str:
    """When the task runs, in words: ``kl. 02:30, mandag–fredag`` or ``hvert minut``."""
    if task is None:
        return _("Not scheduled")
    if task.interval_id:
        return describe_interval(task.interval)
    if task.crontab_id:
        crontab = task.crontab
        at, days = crontab_time(crontab), crontab_weekdays(crontab)
        if at is None or days is None:
            text = _("by the rule %(rule)s") % {
                "rule": f"{crontab.minute} {crontab.hour} {crontab.day_of_month} "
                f"{crontab.month_of_year} {crontab.day_of_week}"
            }
        else:
            text = _("at %(time)s, %(days)s") % {
                "time": at.strftime("%H:%M"),
                "days": describe_weekdays(days),
            }
        if str(crontab.day_of_month) != "*" or str(crontab.month_of_year) != "*":
            text += " " + _("(only day %(day)s in month %(month)s)") % {
                "day": crontab.day_of_month,
                "month": crontab.month_of_year,
            }
        return text
    return _("Another kind of schedule")


def _recorded(task: PeriodicTask, spec_label: str) -> str:
    """What a history row keeps of a schedule: the job, when, and whether it is on (in Danish)."""
    with translation.override(settings.LANGUAGE_CODE):
        state = _("on") if task.enabled else _("off")
        return f"{spec_label}: {describe(task)} ({state})"[:300]


@dataclass
class ScheduleRow:
    """One line of the schedule page."""

    job: str
    label: str
    task: PeriodicTask | None
    when: str
    enabled: bool
    last_run: JobRun | None


def last_runs(names: set[str]) -> dict[str, JobRun]:
    """The latest run of each job (two queries, however many jobs)."""
    latest = dict(
        JobRun.objects.filter(job__in=names)
        .values_list("job")
        .annotate(last=Max("started_at"))
        .values_list("job", "last")
    )
    if not latest:
        return {}
    query = Q()
    for job, started in latest.items():
        query |= Q(job=job, started_at=started)
    runs: dict[str, JobRun] = {}
    for run in JobRun.objects.filter(query).order_by("job", "-id"):
        runs.setdefault(run.job, run)
    return runs


def schedule_rows() -> list[ScheduleRow]:
    """Every registered job with each of its schedules (or *not scheduled*), by the job's name."""
    jobs = registered_jobs()
    tasks = list(
        PeriodicTask.objects.filter(task=RUN_JOB_TASK)
        .select_related("crontab", "interval")
        .order_by("name", "pk")
    )
    by_job: dict[str, list[PeriodicTask]] = {}
    for task in tasks:
        by_job.setdefault(job_of(task), []).append(task)
    runs = last_runs(set(jobs) | set(by_job))
    rows: list[ScheduleRow] = []
    for name in sorted(set(jobs) | set(by_job)):
        spec = jobs.get(name)
        label = str(spec.label) if spec else _("Unknown job “%(name)s”") % {"name": name}
        for task in by_job.get(name) or [None]:
            rows.append(
                ScheduleRow(
                    job=name,
                    label=label,
                    task=task,
                    when=describe(task),
                    enabled=bool(task and task.enabled),
                    last_run=runs.get(name),
                )
            )
    rows.sort(key=lambda row: row.label.lower())
    return rows


def schedule_initial(task: PeriodicTask | None, job: str = "") -> dict:
    """The edit form's starting values for ``task`` (a new schedule: Monday–Friday, on)."""
    if task is None:
        return {
            "job": job,
            "frequency": Frequency.DAILY,
            "weekdays": [str(d) for d in CRON_WEEKDAYS[:5]],
            "enabled": True,
        }
    initial = {"job": job_of(task), "enabled": task.enabled, "weekdays": []}
    if task.interval_id:
        minutes = {
            IntervalSchedule.SECONDS: task.interval.every / 60,
            IntervalSchedule.MINUTES: task.interval.every,
            IntervalSchedule.HOURS: task.interval.every * 60,
            IntervalSchedule.DAYS: task.interval.every * 24 * 60,
        }.get(task.interval.period, task.interval.every)
        initial.update(frequency=Frequency.INTERVAL, every_minutes=max(1, int(minutes)))
    elif task.crontab_id:
        days = crontab_weekdays(task.crontab)
        initial.update(
            frequency=Frequency.DAILY,
            time=crontab_time(task.crontab),
            weekdays=[str(d) for d in CRON_WEEKDAYS if days is None or d in days],
        )
    return initial


def _unique_name(label: str, *, exclude_pk: int | None) -> str:
    name, n = label[:190], 1
    while PeriodicTask.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        n += 1
        name = f"{label[:190]} ({n})"
    return name


def _crontab_for(
    time: datetime.time, weekdays: set[int], previous: CrontabSchedule | None
) -> CrontabSchedule:
    day_of_week = "*" if weekdays >= ALL_WEEKDAYS else ",".join(str(d) for d in sorted(weekdays))
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=str(time.minute),
        hour=str(time.hour),
        day_of_week=day_of_week,
        # A schedule limited to days of the month keeps that limit; the page edits the rest.
        day_of_month=previous.day_of_month if previous else "*",
        month_of_year=previous.month_of_year if previous else "*",
        timezone=settings.TIME_ZONE,
    )
    return crontab


@transaction.atomic
def schedule_save(
    *,
    actor,
    reason: str,
    task: PeriodicTask | None,
    job: str,
    frequency: str,
    enabled: bool,
    time: datetime.time | None = None,
    weekdays: set[int] | None = None,
    every_minutes: int | None = None,
) -> PeriodicTask:
    """Create or change the schedule of ``job`` and record who did it and why.

    The schedule row itself (crontab or interval) is looked up or created, never changed, since
    several tasks may share one. Saving what is already there changes nothing and is refused."""
    reason = require_reason(reason)
    jobs = registered_jobs()
    spec: JobSpec | None = jobs.get(job)
    if spec is None:
        raise ValidationError({"job": _("Choose one of the jobs in the list.")})
    if task is not None:
        task = (
            PeriodicTask.objects.select_for_update(of=("self",))
            .select_related("crontab", "interval")
            .get(pk=task.pk)
        )
        old_spec = jobs.get(job_of(task))
        before = _recorded(task, str(old_spec.label) if old_spec else job_of(task))
    else:
        task = PeriodicTask(task=RUN_JOB_TASK)
        before = ""
    if frequency == Frequency.INTERVAL:
        if not every_minutes or not 1 <= every_minutes <= 24 * 60:
            raise ValidationError({"every_minutes": _("Enter a number of minutes from 1 to 1440.")})
        interval, _created = IntervalSchedule.objects.get_or_create(
            every=every_minutes, period=IntervalSchedule.MINUTES
        )
        task.interval, task.crontab = interval, None
    else:
        if time is None:
            raise ValidationError({"time": _("Enter the time of day the job runs, e.g. 02:30.")})
        if not weekdays or not weekdays <= ALL_WEEKDAYS:
            raise ValidationError({"weekdays": _("Choose at least one weekday.")})
        task.crontab, task.interval = (
            _crontab_for(time, set(weekdays), task.crontab if task.pk else None),
            None,
        )
    task.solar = task.clocked = None
    task.one_off = False
    task.task = RUN_JOB_TASK
    task.args, task.kwargs = json.dumps([job]), "{}"
    task.enabled = enabled
    with translation.override(settings.LANGUAGE_CODE):
        label = str(spec.label)
    if not task.pk:
        task.name = _unique_name(label, exclude_pk=None)
    after = _recorded(task, label)
    if after == before:
        raise ValidationError(_("Nothing was changed: the schedule is as it was."))
    task.save()
    JobScheduleChange.objects.create(
        schedule=task, job=job, before=before, after=after, changed_by=actor, reason=reason
    )
    return task
