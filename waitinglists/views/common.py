"""Helpers shared by the waiting-list views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .. import selectors
from ..models import Entry, WaitingList


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
