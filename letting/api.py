"""The JSON API, version 1: a vacancy's priority ranking, read-only.

Staff sign in as for the pages (session); the API answers 403 to anyone not signed in, and 404
for a vacancy of an organisation the user does not reach (``housing.scoping``: staff of the
organisation or of its shared-list association — not kommune officers or administrators as
such). The ranking is ``allocation.services.ranking.vacancy_ranking``; reading it logs the health
facts it shows (R5.1–R5.3, R10.2–R10.4), as the vacancy page does. The OpenAPI schema is served at
``/api/v1/schema/``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import explanations
from allocation.models import LettingChannel, Vacancy
from allocation.services import ranking as ranking_service
from housing import scoping
from waitinglists.models import ListKind

from . import workflow

MAX_LIMIT = 200

# --- Serializers ------------------------------------------------------------------------------------


class RankingQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=50, help_text="How many candidates to rank (1–200)."
    )


class FlagSerializer(serializers.Serializer):
    rule = serializers.CharField(
        help_text="R3.3 (an unpaid fee: the place is kept until deleted after a reminder) or R26 (more "
        "than 2 persons per room: the organisation may reject, by a rejection case). A flag changes no rank."
    )
    text = serializers.CharField(help_text="The flag in words (English), with the figures.")
    text_translated = serializers.CharField(
        help_text="The flag in the request's language (Danish unless English is asked for)."
    )


class PlacedSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 is offered the dwelling first.")
    entry_id = serializers.IntegerField(help_text="The waiting-list entry.")
    applicant_number = serializers.CharField()
    list = serializers.ChoiceField(choices=ListKind.choices, help_text="The list the candidate stands on.")
    rule = serializers.CharField(help_text="The rule that placed the candidate, e.g. R2.1, R4, R6, R10.1.")
    seniority_date = serializers.DateField()
    explanation = serializers.CharField(
        help_text="The rule and the facts that placed the candidate (English)."
    )
    explanation_translated = serializers.CharField(
        help_text="The explanation in the request's language (Danish unless English is asked for)."
    )
    flags = FlagSerializer(many=True, help_text="Facts shown beside the candidate (R3.3, R26).")


class ExcludedSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    applicant_number = serializers.CharField()
    list = serializers.ChoiceField(choices=ListKind.choices)
    rule = serializers.CharField(
        help_text="Why left out: passive, wishes, R1.8, R7, R8.1, R8.3, R12.1, R13. (An unpaid fee, R3.3, "
        "and more than 2 persons per room, R26, are flags on the placed, never a reason to leave out.)"
    )
    reason = serializers.CharField(help_text="The reason in words (English).")
    reason_translated = serializers.CharField(
        help_text="The reason in the request's language (Danish unless English is asked for)."
    )


class CountsSerializer(serializers.Serializer):
    placed = serializers.IntegerField()
    excluded_shown = serializers.IntegerField()
    excluded_total = serializers.IntegerField(
        help_text="Candidates passed over ahead of the last placed one (see excluded_total_capped)."
    )
    excluded_total_capped = serializers.BooleanField(
        help_text="The count stopped at its cap: at least excluded_total were passed over."
    )


class VacancyRankingSerializer(serializers.Serializer):
    vacancy_id = serializers.IntegerField()
    day = serializers.DateField(help_text="The day the letting rules in force were read for.")
    turn = serializers.ChoiceField(
        choices=ListKind.choices,
        help_text="Whose turn the dwelling is (§ 7: every second family dwelling is the internal list's).",
    )
    fallback = serializers.CharField(
        allow_null=True,
        help_text="R2.5 or R12.3 when nobody eligible is left: the dwelling may be let to others.",
    )
    notes = serializers.ListField(child=serializers.CharField())
    limit = serializers.IntegerField()
    placed = PlacedSerializer(many=True)
    excluded = ExcludedSerializer(
        many=True,
        help_text="Candidates passed over ahead of the last placed one, in list order, with the reason "
        "(at most 100 per list).",
    )
    counts = CountsSerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """A 400: the messages per parameter (``limit``), or ``detail`` for a refused request."""

    limit = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)


def ranking_payload(result: ranking_service.VacancyRanking) -> dict:
    ranking = result.ranking
    return {
        "vacancy_id": result.vacancy_id,
        "day": result.day,
        "turn": ranking.turn,
        "fallback": ranking.fallback,
        "notes": ranking.notes,
        "limit": result.limit,
        "placed": [
            {
                "rank": p.rank,
                "entry_id": p.candidate.entry_id,
                "applicant_number": p.candidate.applicant_number,
                "list": p.candidate.list_kind,
                "rule": p.rule,
                "seniority_date": p.candidate.seniority_date,
                "explanation": p.explanation,
                "explanation_translated": explanations.translate(p.explanation),
                "flags": [
                    {"rule": f.rule, "text": f.text, "text_translated": explanations.translate(f.text)}
                    for f in p.flags
                ],
            }
            for p in ranking.placed
        ],
        "excluded": [
            {
                "entry_id": x.candidate.entry_id,
                "applicant_number": x.candidate.applicant_number,
                "list": x.candidate.list_kind,
                "rule": x.rule,
                "reason": x.reason,
                "reason_translated": explanations.translate(x.reason),
            }
            for x in ranking.excluded
        ],
        "counts": result.counts,
    }


# --- Views ------------------------------------------------------------------------------------------


def vacancies_for(user) -> QuerySet[Vacancy]:
    """Vacancies of the organisations the user reaches as their staff (``housing.scoping``)."""
    return Vacancy.objects.filter(organisation_id__in=scoping.scope_for(user).organisation_ids)


class VacancyRankingView(APIView):
    """A vacancy's priority ranking: who is offered the dwelling first, and who was passed over."""

    @extend_schema(
        operation_id="vacancy_ranking",
        tags=["vacancies"],
        summary="The priority ranking of a vacancy",
        description=(
            "The candidates in the order the letting rules give (§§ 2–10, 12–13), each with the rule and "
            "the facts that placed them, and the candidates passed over ahead of the last placed one with "
            "the reason. Health facts shown (R5.1–R5.3, R10.2–R10.4) are recorded in the personal-data "
            "access log."
        ),
        # The path's id is documented from the URL pattern (as ``id``); the query's limit from the
        # serializer that validates it, so its bounds in the schema are the bounds enforced.
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The vacancy."),
            RankingQuerySerializer,
        ],
        responses={
            200: VacancyRankingSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer, description="An invalid limit, or a NUL character in the request."
            ),
            403: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            404: OpenApiResponse(ErrorSerializer, description="No such vacancy in the user's organisations."),
            409: OpenApiResponse(
                ErrorSerializer, description="The vacancy is not let from the waiting lists."
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        vacancy = get_object_or_404(
            vacancies_for(request.user).select_related(*ranking_service.RANKING_RELATED), pk=pk
        )
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if vacancy.channel != LettingChannel.LIST:
            return Response(
                {
                    "detail": _(
                        "This vacancy is not let from the waiting lists (%(channel)s): it has no ranking."
                    )
                    % {"channel": vacancy.get_channel_display()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        result = workflow.public_ranking(vacancy, limit=query.validated_data["limit"])
        ranking_service.health_reads_log(
            request.user,
            result,
            purpose_text=_("Ranking of vacancy %(id)s read through the API") % {"id": vacancy.pk},
        )
        return Response(VacancyRankingSerializer(ranking_payload(result)).data)
