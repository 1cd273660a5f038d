"""Letting by advertising (R1.6, § 38): the advert page of a vacancy and its actions."""

from django.urls import path

from .views import adverts

PREFIX = "udlejning/ledige/<int:vacancy_pk>/annonce/"

urlpatterns = [
    path(PREFIX, adverts.advert_detail, name="advert_detail"),
    path(PREFIX + "rediger/", adverts.advert_edit, name="advert_edit"),
    path(PREFIX + "historik/", adverts.advert_history, name="advert_history"),
    path(PREFIX + "offentliggjort/", adverts.advert_publication, name="advert_publication"),
    path(PREFIX + "interesse/", adverts.advert_interest_add, name="advert_interest_add"),
    path(PREFIX + "interesse/vurdering/", adverts.advert_interest_assess, name="advert_interest_assess"),
    path(PREFIX + "afslag/", adverts.advert_decline, name="advert_decline"),
    path(PREFIX + "udlej/", adverts.advert_let, name="advert_let"),
    path(PREFIX + "lodtraekning/forpligtelse/", adverts.advert_lottery_commit, name="advert_lottery_commit"),
    path(PREFIX + "lodtraekning/traekning/", adverts.advert_lottery_draw, name="advert_lottery_draw"),
    path(PREFIX + "lodtraekning.json", adverts.advert_lottery_record, name="advert_lottery_record"),
]
