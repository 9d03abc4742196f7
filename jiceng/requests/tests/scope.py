"""Outsider walk rows for residents' requests (see jiceng/core/tests/scope.py).

Victims in town B: a request with "秘密诉求" in its text, the resident 赵秘密 and phone
13900009999, with a photo; and a second one that is resolved and published on the public
board, whose texts name the same resident and phone (the board must mask them)."""

from __future__ import annotations

import io


def jpeg_upload(name: str = "现场.jpg", size=(64, 48), color="red"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def setup(county):
    from jiceng.requests import services
    from jiceng.requests.models import Category, DeadlineRule, Department

    road = Category.objects.get(code="road")
    secret = services.create_request(
        None,
        organization=county.branch_b,
        category=road,
        kind="complaint",
        description="秘密诉求：乙乡村口的路灯坏了三个月",
        channel="qr",
        phone="13900009999",
        name="赵秘密",
        place="乙乡秘密村口",
        photos=[jpeg_upload()],
    )
    board = services.create_request(
        None,
        organization=county.branch_b,
        category=road,
        kind="help",
        description="路面塌陷，联系人赵秘密，电话 13900009999",
        channel="qr",
        phone="13900009999",
        name="赵秘密",
        photos=[jpeg_upload("塌陷.jpg", color="blue")],
    )
    board = services.accept_request(None, board, contacted=True)
    board = services.resolve_request(None, board, result="已修复，已电话告知赵秘密（13900009999）")
    board = services.publish_request(
        None,
        board,
        public_description=board.description,
        public_result=board.result,
        photo_ids=list(board.photos.values_list("pk", flat=True)),
    )
    department = Department.objects.create(code="ZJ-V", name="县住建局", county=county.root)
    return {
        "request_b": secret.pk,
        "request_b_ticket": secret.ticket,
        "request_b_photo": secret.photos.first().pk,
        "board_b": board.pk,
        "board_b_photo": board.photos.first().pk,
        "category": road.pk,
        "deadline_rule": DeadlineRule.objects.order_by("pk").first().pk,
        "department": department.pk,
    }


def samples(county, victim):
    req = {"pk": victim["request_b"]}
    return {
        "requests:inbox": {},
        "requests:export": {},
        "requests:create": {},
        "requests:detail": req,
        "requests:act": req,
        "requests:publish": req,
        "requests:photo": {"pk": victim["request_b"], "photo": victim["request_b_photo"]},
        "requests:qr_poster": {"org": county.branch_b.pk},
        "requests:qr_png": {"org": county.branch_b.pk},
        "requests:panel": {"org": county.town_b.pk},
        "requests:org_panel": {"org": county.branch_b.pk},
        "requests:ranking": {},
        "requests:ranking_export": {},
        "requests:settings": {},
        "requests:categories": {},
        "requests:category_edit": {"pk": victim["category"]},
        "requests:deadlines": {},
        "requests:deadline_edit": {"pk": victim["deadline_rule"]},
        "requests:routing": {},
        "requests:departments": {},
        "requests:department_edit": {"pk": victim["department"]},
        "resident:track": {},
        "resident:progress": {"ticket": victim["request_b_ticket"]},
        "resident:rate": {"ticket": victim["request_b_ticket"]},
        "resident:photo": {"ticket": victim["request_b_ticket"], "photo": victim["request_b_photo"]},
        "resident:intake": {"code": county.branch_b.code},
        "resident:board": {},
        "resident:board_detail": {"pk": victim["board_b"]},
        "resident:board_photo": {"photo": victim["request_b_photo"]},
        "resident:open311_services": {},
        "resident:open311_requests": {},
        "resident:open311_request": {"service_request_id": victim["request_b_ticket"]},
        "request-list": {},
        "request-detail": req,
        "request-ranking": {},
    }


QUERIES = {
    "requests:inbox": "?organization={town_b}&stage=open",
    "requests:export": "?q=秘密诉求",
    "requests:ranking": "?org={town_b}",
    "requests:ranking_export": "?org={town_b}&by=handler",
    "resident:open311_requests": "?jurisdiction_id=TB01",
    "request-list": "?organization={town_b}",
    "request-ranking": "?org={town_b}",
}
POSTS = {
    "requests:create": {
        "organization": "{branch_b}",
        "channel": "walk_in",
        "kind": "help",
        "category": "{category}",
        "priority": "normal",
        "tier": "study",
        "description": "外来登记",
    },
    "requests:act": {"action": "accept"},
    "requests:publish": {"public_description": "外来", "public_result": "外来"},
    "requests:settings": {"weight_response": "100", "weight_resolution": "0", "weight_satisfaction": "0"},
    "requests:category_edit": {"code": "road", "name": "外来改名", "order": "1"},
    "requests:deadline_edit": {"delete": "1"},
    "requests:routing": {"delete": "1"},
    "requests:department_edit": {"form": "department", "code": "X", "name": "外来", "order": "1"},
    "resident:track": {"ticket": "{request_b_ticket}", "phone": "13800000000"},
    "resident:rate": {"rating": "unsatisfied", "solved": "0", "reopen": "1"},
    # Filing is public by design and would notify town B's admin (which the core invariants
    # watch), so the walk posts without a phone: the 400 page must not leak either.
    "resident:intake": {"kind": "help", "category": "{category}", "description": "外来提交"},
    "resident:open311_requests": {"jurisdiction_id": "TB01", "service_code": "road", "description": "外来 Open311"},
}
ANONYMOUS_OPEN = {
    "resident:track",
    "resident:progress",
    "resident:rate",
    "resident:photo",
    "resident:intake",
    "resident:board",
    "resident:board_detail",
    "resident:board_photo",
    "resident:open311_services",
    "resident:open311_requests",
    "resident:open311_request",
}
PUBLIC = set(ANONYMOUS_OPEN)


def invariants(county):
    from jiceng.requests.models import Category, DeadlineRule, Department, Request, RequestSettings, RoutingRule

    victims = Request.objects.filter(
        organization=county.branch_b, description__contains="赵秘密"
    ) | Request.objects.filter(description__startswith="秘密诉求")
    return (
        sorted(
            victims.values_list(
                "pk", "state", "version", "holder_org_id", "rating", "published", "public_description", "reopen_count"
            )
        ),
        sorted(victims.values_list("events__pk", flat=True)),
        RequestSettings.current().weights,
        sorted(Category.objects.values_list("code", "name", "order")),
        DeadlineRule.objects.count(),
        RoutingRule.objects.count(),
        sorted(Department.objects.values_list("code", "name")),
    )
