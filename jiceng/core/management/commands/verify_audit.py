"""`manage.py verify_audit`: walk the audit log's hash chain and report the first broken link."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiceng.core import auditchain
from jiceng.core.models import AuditEntry


class Command(BaseCommand):
    help = "校验审计日志的哈希链：逐条核对，报告第一处断裂（被删除、插入或改动的记录）。"

    def handle(self, *args, **options):
        entries = AuditEntry.objects.order_by("id").iterator(chunk_size=5000)
        verdict = auditchain.verify(entries)
        if verdict.broken is not None:
            raise CommandError(
                f"审计日志哈希链断裂：{verdict.broken.reason}（记录 id {verdict.broken.entry_id}）。"
                f"此前 {verdict.checked} 条完好。"
            )
        self.stdout.write(
            f"审计日志完好：{verdict.checked} 条，哈希链连续。最后一条的哈希 {verdict.last_hash}"
            "（可抄录留存，日后核对日志未被整体替换）。"
        )
