"""Tabs on the person page that other apps contribute (Korrespondance, Ventelister, …).

``housing`` is the bottom of the dependency chain and must not import the apps above it, so they
register their tab here from their ``AppConfig.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class PersonTab:
    key: str
    label: str  # a lazy translation
    url_name: str  # takes the person's pk
    order: int


_TABS: dict[str, PersonTab] = {}


def register_person_tab(*, key: str, label, url_name: str, order: int = 50) -> None:
    _TABS[key] = PersonTab(key=key, label=label, url_name=url_name, order=order)


def extra_person_tabs(person_pk: int) -> list[tuple[str, str, str]]:
    return [
        (tab.key, str(tab.label), reverse(tab.url_name, args=[person_pk]))
        for tab in sorted(_TABS.values(), key=lambda tab: tab.order)
    ]
