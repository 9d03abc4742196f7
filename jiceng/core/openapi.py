"""The error answers every API operation can give, written into the OpenAPI schema once
(a drf-spectacular post-processing hook) instead of on each view:

- 400 where an operation takes parameters or a body: an object naming each field with its
  messages (or `detail`, `non_field_errors`); where a view documents its own 400 (a refusal
  naming the rule it breaks), either shape;
- 401 and 403 (not signed in, not allowed), 404 (not found or outside the caller's scope, a
  page number past the end), 429 (throttled): `{"detail": "…"}` in Chinese.

It also documents times of day as written (14:30:00, local time), not as RFC 3339 full-time.

schemathesis checks the application against this schema in the test suite
(jiceng/core/tests/test_api_schema.py).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

ERROR = {
    "type": "object",
    "description": "出错说明",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "校验不通过：字段名 → 错误信息列表；或 detail / non_field_errors",
    "additionalProperties": {},
}
STANDARD = {
    "401": "未登录或令牌无效、已过期",
    "403": "无权进行此操作",
    "404": "不存在或不在您的数据范围内（含超出末页的页码）",
    "429": "请求过于频繁",
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# A time of day is written 14:30:00 (local time, Asia/Shanghai); OpenAPI's "time" format is
# RFC 3339's full-time, which requires an offset (14:30:00+08:00), so it is documented as a pattern.
LOCAL_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "description": "北京时间，如 14:30:00"}


def _local_times(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node.setdefault("pattern", LOCAL_TIME["pattern"])
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def document_errors(result, generator, request, public):
    _local_times(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in STANDARD.items():
                responses.setdefault(code, _json(_ref("Error"), description))
            if not (operation.get("parameters") or operation.get("requestBody")):
                continue
            own = responses.get("400", {}).get("content", {}).get("application/json", {}).get("schema")
            schema = {"anyOf": [own, _ref("FieldErrors")]} if own else _ref("FieldErrors")
            responses["400"] = _json(schema, responses.get("400", {}).get("description") or "请求参数不正确")
    return result


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.DateField):
    """A month in an API answer, written 2026-11 (OpenAPI has no month format; documented as a
    pattern)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)
