"""One answer for a refused write in the API: 400 with every refusal, the rule each one names
and, for time rules, the earliest day the action becomes possible.

Services refuse with Django's ValidationError, whose messages cite the regulation in 《…》 (with
an article, 第…条, where there is one). A service that knows more — the earliest possible day —
attaches `exc.refusals`: objects with `field`, `message` and `earliest` (see
jiceng.development.rules.Refusal).
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

# 《中国共产党发展党员工作细则》第十三条, 《…》（试行）第五条 …
CITATION = re.compile(r"《[^》]+》(?:[（(][^）)]*[）)])?(?:第[一二三四五六七八九十百零]+条)?")


def _items(exc: DjangoValidationError) -> list[tuple[str | None, str, object]]:
    refusals = getattr(exc, "refusals", None)
    if refusals is not None:
        return [(r.field, r.message, r.earliest) for r in refusals]
    if hasattr(exc, "error_dict"):
        return [(None if f == NON_FIELD_ERRORS else f, m, None) for f, ms in exc.message_dict.items() for m in ms]
    return [(None, m, None) for m in exc.messages]


def refusal_response(exc: DjangoValidationError) -> Response:
    items = _items(exc)
    errors: dict[str, list[str]] = {}
    refusals = []
    for field, message, earliest in items:
        errors.setdefault(field or "non_field_errors", []).append(message)
        cited = CITATION.findall(message)
        refusals.append(
            {
                "field": field,
                "message": message,
                "rule": cited[0] if cited else "",
                "rules": cited,
                "earliest": earliest,
            }
        )
    return Response({"detail": items[0][1] if items else "", "errors": errors, "refusals": refusals}, status=400)


REFUSAL = inline_serializer(
    "Refusal",
    {
        "detail": serializers.CharField(help_text="第一条拒绝理由"),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "refusals": serializers.ListField(
            child=inline_serializer(
                "RefusalItem",
                {
                    "field": serializers.CharField(allow_null=True),
                    "message": serializers.CharField(),
                    "rule": serializers.CharField(help_text="违反的规定（法规及条款）"),
                    "rules": serializers.ListField(child=serializers.CharField()),
                    "earliest": serializers.DateField(allow_null=True, help_text="最早可办理日期（时限规则）"),
                },
            )
        ),
    },
)
