"""Open311 GeoReport v2 (JSON) under /open311/v2/, so that hotline systems can exchange
requests with the platform.

- ``GET services.json``: the categories (service_code = Category.code).
- ``POST requests.json``: file a request. ``jurisdiction_id`` is the code of the village,
  community or township where it happened (the platform routes by organization, it does not
  geocode); ``service_code``, ``description`` and ``phone`` are required; ``lat``/``long``,
  ``address_string``, ``first_name``/``last_name`` are optional. ``api_key``: when the county
  admin has entered keys (诉求配置 → Open311 接入密钥) a valid key is required and names the
  sending system; with no keys configured the endpoint is open like the public web form and
  rate-limited the same way.
- ``GET requests.json`` with ``service_request_id`` (comma-separated, overrides the rest),
  ``service_code``, ``start_date``, ``end_date``, ``status`` (open, closed),
  ``jurisdiction_id``; by default the last 90 days, at most 1,000 requests, newest first.
- ``GET requests/{service_request_id}.json``: one request, in a list as the spec has it.

Only public data leaves: never the phone or the name; the description, address, coordinates
and photo only for requests staff have published on the board (with details masked).
``status`` is only ``open`` or ``closed`` (closed once resolved or answered). Errors are the
spec's list of ``{"code": …, "description": …}`` with the same HTTP status.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from jiceng.core import params as text_params
from jiceng.orgs.models import Organization

from . import rules, services
from .models import Category, Request, RequestSettings

POST_RATE = "20/h"
GET_RATE = "600/h"
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
MAX_BODY = 64 * 1024
PARAM_MAX = 2100


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(status: int, description: str) -> JsonResponse:
    return _json([{"code": status, "description": description}], status=status)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


@ratelimit(key="ip", rate=GET_RATE, method="GET", block=False)
@require_GET
def services_list(request):
    if getattr(request, "limited", False):
        return error(429, "请求过于频繁，请稍后再试")
    problem = bad_parameter(_query_pairs(request.GET))
    if problem is not None:
        return problem
    data = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description,
            "metadata": False,
            "type": "realtime",
            "keywords": c.keywords,
            "group": c.group,
        }
        for c in Category.objects.filter(is_active=True).order_by("order", "code")
    ]
    return _json(data)


def serialize(req: Request, request) -> dict:
    public = req.published
    photo = next((p for p in req.photos.all() if p.public), None) if public else None
    return {
        "service_request_id": req.ticket,
        "status": rules.open311_status(req.state),
        "status_notes": rules.RESIDENT_STATE_TEXT.get(req.state, ""),
        "service_name": req.category.name,
        "service_code": req.category.code,
        "description": req.board_description if public else "",
        "agency_responsible": req.holder_label,
        "service_notice": "",
        "requested_datetime": _iso(req.received_at),
        "updated_datetime": _iso(req.updated_at),
        "expected_datetime": _iso(req.done_due_at) if req.state in rules.OPEN_STATES else None,
        "address": req.organization.name + (f" {_public_place(req)}" if public and req.place else ""),
        "address_id": "",
        "zipcode": "",
        "lat": float(req.latitude) if public and req.latitude is not None else None,
        "long": float(req.longitude) if public and req.longitude is not None else None,
        "media_url": request.build_absolute_uri(reverse("resident:board_photo", args=[photo.pk])) if photo else "",
    }


def _public_place(req: Request) -> str:
    """The place as the resident typed it may hold a phone number or their name (「王小明家门口，
    电话 138 1234 5678」): masked like the published texts."""
    return rules.mask_text(req.place, name=req.name, phone=req.phone)


def _queryset():
    return Request.objects.select_related(
        "category", "organization", "holder_org", "holder_department"
    ).prefetch_related("photos")


def _parse_when(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30 or an offset of 25 hours
        parsed = None
    if parsed is None:
        raise ValueError(f"{name} 不是 ISO 8601 时间（如 2026-10-01T08:00:00+08:00）")
    if not text_params.date_in_range(parsed):
        raise ValueError(f"{name} 超出范围：年份应在 {text_params.MIN_YEAR} 至 {text_params.MAX_YEAR} 之间")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def bad_parameter(pairs, *, posted: bool = False) -> JsonResponse | None:
    """The GeoReport error for a parameter no request can match or hold: a query value that is
    too long, or a control character (PostgreSQL text cannot even hold NUL). A posted text may
    have tabs and line breaks; its length is checked by the service, field by field."""
    for name, value in pairs:
        if text_params.has_control_chars(name):
            return error(400, "参数名含有控制字符")
        if not posted and len(value) > PARAM_MAX:
            return error(400, f"参数 {name} 过长")
        if text_params.has_control_chars(value, allow_whitespace=posted):
            return error(400, f"参数 {name} 含有控制字符")
    return None


def _query_pairs(params):
    return ((name, value) for name, values in params.lists() for value in values)


def _list(request):
    params = request.GET
    problem = bad_parameter(_query_pairs(params))
    if problem is not None:
        return problem
    qs = _queryset()
    ids = [rules.normalize_ticket(t) for t in params.get("service_request_id", "").split(",") if t.strip()]
    if ids:
        if len(ids) > 100:
            return error(400, "service_request_id 一次最多 100 个")
        return _json([serialize(r, request) for r in qs.filter(ticket__in=ids).order_by("-received_at")])
    qs = qs.exclude(kind="report")  # 举报 are never listed (whistle-blowers' protection)
    # The list is public: only requests staff have published. An unpublished one is found by its
    # ticket (service_request_id), which only the resident holds.
    qs = qs.filter(published=True)
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction:
        org = Organization.objects.filter(code=jurisdiction).first()
        if org is None:
            return error(404, f"jurisdiction_id {jurisdiction} 不存在")
        qs = qs.filter(organization__path__gte=org.path, organization__path__lt=org.path_end)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        return error(400, "status 只能是 open 或 closed")
    if statuses == {"open"}:
        qs = qs.filter(state__in=list(rules.OPEN_STATES))
    elif statuses == {"closed"}:
        qs = qs.exclude(state__in=list(rules.OPEN_STATES))
    try:
        end = _parse_when(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
        start = _parse_when(params["start_date"], "start_date") if params.get("start_date") else end - DEFAULT_SPAN
    except ValueError as exc:
        return error(400, str(exc))
    if start > end:
        return error(400, "start_date 晚于 end_date")
    qs = qs.filter(received_at__gte=start, received_at__lte=end).order_by("-received_at")[:MAX_RESULTS]
    return _json([serialize(r, request) for r in qs])


def _post_params(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise ValueError("请求内容过大")
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError("请求不是合法的 JSON") from exc
        if not isinstance(data, dict):
            raise ValueError("JSON 应为对象")
        return {k: "" if v is None else str(v) for k, v in data.items()}
    return {k: v for k, v in request.POST.items()}


def _create(request):
    if getattr(request, "limited", False):
        return error(429, "提交过于频繁，请稍后再试")
    try:
        params = _post_params(request)
    except ValueError as exc:
        return error(400, str(exc))
    problem = bad_parameter(params.items(), posted=True)
    if problem is not None:
        return problem
    config = RequestSettings.current()
    keys = config.open311_key_map()
    source = "Open311"
    if keys:
        key = params.get("api_key", "")
        if key not in keys:
            return error(403, "api_key 无效")
        source = keys[key]
    for name in ("jurisdiction_id", "service_code", "description", "phone"):
        if not params.get(name, "").strip():
            return error(400, f"缺少参数 {name}")
    org = Organization.objects.filter(code=params["jurisdiction_id"].strip()).first()
    if org is None or services.intake_organization_error(org):
        return error(404, f"jurisdiction_id {params['jurisdiction_id']} 不是受理点（村、社区或乡镇编码）")
    category = Category.objects.filter(code=params["service_code"].strip(), is_active=True).first()
    if category is None:
        return error(404, f"service_code {params['service_code']} 不存在")
    name = f"{params.get('last_name', '')}{params.get('first_name', '')}".strip()
    try:
        item = services.create_request(
            None,
            organization=org,
            category=category,
            kind=params.get("kind", "help") if params.get("kind") in dict(rules.KINDS) else "help",
            description=params["description"],
            channel="open311",
            phone=params["phone"],
            name=name,
            place=params.get("address_string", ""),
            latitude=params.get("lat") or None,
            longitude=params.get("long") or None,
            source_label=source,
        )
    except ValidationError as exc:
        return error(400, "；".join(exc.messages))
    notice = f"已受理，受理编号 {item.ticket}；办结时限 {timezone.localtime(item.done_due_at):%Y-%m-%d %H:%M}"
    return _json([{"service_request_id": item.ticket, "service_notice": notice, "account_id": None}], status=201)


@csrf_exempt
@ratelimit(key="ip", rate=POST_RATE, method="POST", block=False)
@ratelimit(key="ip", rate=GET_RATE, method="GET", block=False)
@require_http_methods(["GET", "POST"])
def requests_endpoint(request):
    if request.method == "POST":
        return _create(request)
    if getattr(request, "limited", False):
        return error(429, "请求过于频繁，请稍后再试")
    return _list(request)


@ratelimit(key="ip", rate=GET_RATE, method="GET", block=False)
@require_GET
def request_detail(request, service_request_id):
    if getattr(request, "limited", False):
        return error(429, "请求过于频繁，请稍后再试")
    if text_params.has_control_chars(service_request_id) or len(service_request_id) > PARAM_MAX:
        return error(400, "service_request_id 不正确")
    problem = bad_parameter(_query_pairs(request.GET))
    if problem is not None:
        return problem
    item = _queryset().filter(ticket=rules.normalize_ticket(service_request_id)).first()
    if item is None:
        return error(404, f"service_request_id {service_request_id} 不存在")
    return _json([serialize(item, request)])
