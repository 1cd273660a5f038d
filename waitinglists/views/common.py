"""Helpers shared by the waiting-list views."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .. import selectors
from ..models import Entry, WaitingList


def optional_module(name: str) -> ModuleType | None:
    """A module another part of the app provides (fees, positions): ``None`` while it is missing,
    so the page shows what it can instead of failing."""
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def waiting_list_or_404(request, pk: int) -> WaitingList:
    try:
        return selectors.list_detail(user=request.user, pk=pk)
    except WaitingList.DoesNotExist as exc:
        raise Http404 from exc


def entry_or_404(request, pk: int) -> Entry:
    try:
        return selectors.entry_detail(user=request.user, pk=pk)
    except Entry.DoesNotExist as exc:
        raise Http404 from exc


def require_entry_write(request, entry: Entry) -> None:
    if not selectors.can_write_entry(request.user, entry):
        raise PermissionDenied


def require_list_write(request, waiting_list: WaitingList) -> None:
    if not selectors.can_write_list(request.user, waiting_list):
        raise PermissionDenied
