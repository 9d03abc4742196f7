"""Rows of the outsider walk for 发展党员 (see jiceng/core/tests/scope.py for the format)."""

from __future__ import annotations

from datetime import date

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def setup(county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiceng.development import rules, services
    from jiceng.testing import make_id

    file = services.open_file(
        None,
        organization=county.branch_b,
        id_number=make_id(date(1999, 9, 9)),
        name="秘密申请人",
        on=date(2025, 1, 6),
        phone="13900009999",
        workplace="乙乡秘密合作社",
        document=SimpleUploadedFile("秘密申请书.pdf", PDF, content_type="application/pdf"),
        document_title="秘密申请书",
    )
    services.record_step(
        None, file, 2, on=date(2025, 3, 1), people=[services.PersonInput(rules.TALKER, name="秘密谈话人")]
    )
    return {"victim_file": file.pk, "victim_document": file.documents.get().pk}


def samples(county, victim):
    file = {"pk": victim["victim_file"]}
    return {
        "development:list": {},
        "development:export": {},
        "development:create": {},
        "development:due": {},
        "development:due_export": {},
        "development:stats": {},
        "development:idle": {},
        "development:idle_export": {},
        "development:settings": {},
        "development:panel": {"org_pk": county.town_b.pk},
        "development:detail": file,
        "development:edit": file,
        "development:step": {**file, "number": 3},
        "development:reject": file,
        "development:revoke": file,
        "development:upload": file,
        "development:document": {**file, "doc_pk": victim["victim_document"]},
        "development-file-list": {},
        "development-file-detail": file,
        "development-file-steps": file,
        "development-due": {},
    }


QUERIES = {
    "development:list": "?organization={town_b}",
    "development:export": "?q=秘密申请人",
    "development:create": "?organization={branch_b}",
    "development:due": "?org={town_b}",
    "development:due_export": "?org={town_b}",
    "development:stats": "?org={town_b}",
    "development:idle": "?org={town_b}",
    "development:idle_export": "?org={town_b}",
    "development-file-list": "?organization={town_b}",
    "development-due": "?org={town_b}",
}
POSTS = {
    "development:create": {
        "name": "外来申请人",
        "id_number": "110101199003077777",
        "organization": "{branch_b}",
        "on": "2026-01-05",
        "ethnicity": "汉族",
    },
    "development:edit": {"name": "改名", "ethnicity": "汉族"},
    "development:step": {"on": "2025-04-01", "recommendation": "党员推荐"},
    "development:reject": {"on": "2025-04-01", "reason": "外来操作"},
    "development:revoke": {"reason": "外来操作"},
    "development:upload": {"title": "外来材料"},
    "development:settings": {"idle_years": "9", "due_soon_days": "30"},
    # The write API: open a file in town B's branch, record the next step of town B's file.
    "development-file-list": {
        "organization": "{branch_b}",
        "id_number": "110101199003077777",
        "name": "外来申请人",
        "on": "2026-01-05",
    },
    "development-file-steps": {"number": "3", "on": "2025-04-01", "recommendation": "党员推荐"},
}


def invariants(county):
    from jiceng.development.models import DevelopmentFile, DevelopmentSettings, Document, Step

    victim = DevelopmentFile.objects.get(name="秘密申请人")
    config = DevelopmentSettings.current()
    return (
        DevelopmentFile.objects.filter(pk=victim.pk).values().get(),
        list(Step.objects.filter(file=victim).values_list("number", "revoked_at")),
        Document.objects.filter(file=victim).count(),
        DevelopmentFile.objects.count(),
        (config.idle_years, config.due_soon_days),
    )
