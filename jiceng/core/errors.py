"""Error pages in Chinese, in the site's layout: the public layout for residents' addresses (intake,
board, Open311, the wish wall), the staff layout elsewhere. 500 renders without the database (the
error may be the database) and without the navigation, which reads it."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.template import loader

PUBLIC_PREFIXES = ("/r/", "/board/", "/open311/", "/wishes/post/", "/wishes/pool/", "/wishes/follow/")

MESSAGES = {
    400: ("请求有误", "提交的内容无法识别，请返回上一页检查后重试。"),
    403: ("没有权限", "您的账号无权查看或办理此项内容。如需办理，请联系上级党组织管理员。"),
    404: ("页面不存在", "您要找的页面不存在，或已被删除，或不在您的数据范围内。请检查地址，或从首页进入。"),
    500: (
        "系统出错了",
        "服务器处理请求时出错，工作人员会尽快处理。请稍后重试；如一直出现，请联系县委组织部信息管理员。",
    ),
}


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def _render(request, status: int, *, plain: bool = False) -> HttpResponse:
    title, text = MESSAGES[status]
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/") or path.endswith(".json"):
        return JsonResponse({"detail": f"{title}：{text}", "status": status}, status=status)
    public = is_public(path)
    template = "errors/public.html" if public else ("errors/plain.html" if plain else "errors/staff.html")
    context = {"status": status, "title": title, "text": text, "public": public}
    if plain or public:
        body = loader.get_template(template).render(context)  # no request: no context processors
    else:
        body = loader.get_template(template).render(context, request)
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _render(request, 400, plain=True)


def permission_denied(request, exception=None):
    return _render(request, 403)


def page_not_found(request, exception=None):
    return _render(request, 404)


def server_error(request):
    return _render(request, 500, plain=True)
