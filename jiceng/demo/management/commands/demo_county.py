"""`manage.py demo_county --seed N [--scale county|city|province] [--password P] [--if-empty]`."""

from __future__ import annotations

import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiceng.demo.generator import DEFAULT_PASSWORD, DemoDataExists, generate
from jiceng.demo.scales import SCALES
from jiceng.orgs.models import Organization

SKIP_MESSAGE = "数据库已有数据，跳过演示县生成"


class Command(BaseCommand):
    help = "在空数据库中生成确定性的演示县（党组织、党员、党员中心户、两新组织和四个演示账号）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, required=True, help="随机种子：同一种子、同一天生成的数据相同")
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="county",
            help=(
                "county：一个县（约900个组织、2.2万党员）；city：一个地级市（15个县，各业务数据齐全）；"
                "province：一个省（14个市、168个县，约16万个组织、370万党员，仅组织和党员）；tiny：测试用小县"
            ),
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help=f"演示账号密码（默认 {DEFAULT_PASSWORD}）")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过而不报错")

    def handle(self, *args, seed: int, scale: str, password: str, if_empty: bool, **options) -> None:
        if Organization.objects.exists():
            if if_empty:
                self.stdout.write(SKIP_MESSAGE)
                return
            raise CommandError("数据库已有党组织数据，拒绝生成演示县（如需在有数据时跳过，请加 --if-empty）")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("演示账号密码不符合要求：" + "；".join(exc.messages)) from exc
        started = time.monotonic()
        try:
            result = generate(seed, scale=scale, password=password, stdout=self.stdout)
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from exc
        self._summary(result, time.monotonic() - started)

    def _summary(self, result: dict, seconds: float) -> None:
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"演示数据生成完毕：{result['root']}（种子 {result['seed']}，规模 {result['scale']}，"
                f"用时 {seconds:.1f} 秒）"
            )
        )
        write(
            f"  党组织：{result['organizations']:,} 个，其中乡镇（街道）党（工）委 {result['townships']} 个、"
            f"村（社区）党组织 {result['villages']} 个"
        )
        write(
            f"  党员：{result['members']:,} 名（另有已转出、已去世记录 "
            f"{result['member_records'] - result['members']:,} 条）"
        )
        write(
            f"  党员中心户：{result['lead_households']:,} 户；非公企业 {result['enterprises']} 个，"
            f"社会组织 {result['social_orgs']} 个"
        )
        if result.get("counties", 1) > 1 and result.get("apps"):
            write(f"  以下业务数据为每个县的数量（第一个县生成后复制到其余 {result['counties'] - 1} 个县）：")
        for _, figures in result.get("apps", []):
            if figures:
                write("  " + "，".join(f"{label} {value:,}" for label, value in figures.items()))
        write(f"演示账号（密码：{result['password']}）：")
        for account in result["accounts"]:
            write(
                f"  {account['username']:<14} {account['role']:<12} {account['organization']}"
                f"（{account['display_name']}）"
            )
