"""Deterministic synthetic county (演示县) for demonstrations, training and load tests.

`generate(seed, scale)` builds the organization tree of a county (or of a prefecture city made
of such counties, see scales.py) with jiceng/orgs/demo.py, its members with valid synthetic ID
numbers and its member-led households with jiceng/members/demo.py, four demo accounts, and then
every other app's demo data (jiceng/<app>/demo.py, see context.py).

Every random choice comes from one `random.Random(seed)`; the only outside input is today's
date, so the same seed on the same day gives the same records. (The ID ciphertexts differ
between runs because Fernet uses a random IV, but they decrypt to the same numbers.)

The figures follow the reported county in domain spec §10: 12 townships, about 200 villages
and communities, 800–1,000 organizations, about 22,000 members. A few organizations break
the structure rules on purpose, so the warning pages have something to show.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.db import connection, transaction
from django.utils import timezone

from jiceng.members.demo import COUNTY_AREA_PREFIX, MemberPlan, MemberPlanner, People, UnitStaff
from jiceng.orgs import rules
from jiceng.orgs.demo import CountyPlan, OrgPlanner, Unit, save_county
from jiceng.orgs.models import Enterprise, Organization

from .replicate import Target, replicate
from .scales import CITY_NAME, CITY_NAMES, COUNTY_NAMES, PROVINCE_NAME, SCALES

DEFAULT_PASSWORD = "demo12345"

OrgType = Organization.Type
Domain = Organization.Domain

# Apps whose demo module builds the county itself (called by name here, before the accounts);
# every other app's demo module is run through its `generate(ctx)` afterwards.
COUNTY_BUILDERS = ("orgs", "members")


class DemoDataExists(Exception):
    """The database already holds organizations; the demo county is only for an empty database."""


class Generator:
    def __init__(self, seed: int, scale: str, stdout: TextIO | None = None):
        if scale not in SCALES:
            raise ValueError(f"未知规模：{scale}（可选 {', '.join(SCALES)}）")
        self.seed = seed
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.stdout = stdout
        # One random stream shared, in a fixed order, by the tree, the people and the accounts.
        self.people = People(self.rng)
        self.orgs = OrgPlanner(self.rng, self.today, self.people)
        self.members = MemberPlanner(self.people, self.today)
        self.totals: Counter = Counter()
        self.first_county: CountyPlan | None = None
        self.first_members: MemberPlan | None = None

    # ---- entry point --------------------------------------------------------------------

    def run(self, password: str) -> dict:
        if Organization.objects.exists():
            raise DemoDataExists("数据库已有党组织数据，不能生成演示县")
        self.copies: list[Target] = []
        started = time.monotonic()
        with transaction.atomic():
            root = self._build()
            accounts = self._create_accounts(root, password)
        self._say(f"  [orgs, members] 用时 {time.monotonic() - started:.1f} 秒")
        county = self.first_county.root
        # A province is measured on its organizations and members: the other apps' demo data
        # (about 1.2 million rows per county) is generated up to city scale.
        apps = [] if self.scale.cities else self._run_app_demos(county, password)
        if self.copies:
            self._say(f"正在复制 {county.name} 到其余 {len(self.copies)} 个县……")
            replicate(county, self.copies, say=self._say)
        # Statistics for the planner: a database filled a moment ago has none (autovacuum comes
        # later), and the first pages would be planned as if the tables were empty (a nested
        # loop per member over the attendance took minutes on the tiny demo).
        # SKIP_LOCKED (PostgreSQL): a table autovacuum is already analysing gets its statistics
        # from autovacuum; waiting for it took 38 s of a 66 s tiny demo on a busy machine.
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE (SKIP_LOCKED)" if connection.vendor == "postgresql" else "ANALYZE")
        self._say(f"  [ANALYZE] 用时 {time.monotonic() - started:.1f} 秒")
        result = self._result(root, accounts, password)
        result["apps"] = apps
        return result

    def _run_app_demos(self, root: Organization, password: str) -> list[tuple[str, dict]]:
        """Each domain app's demo data (jiceng/<app>/demo.py), see jiceng/demo/context.py."""
        from jiceng.core.registry import app_modules

        from .context import DemoContext

        User = get_user_model()
        plan = self.first_county
        ctx = DemoContext(
            seed=self.seed,
            scale=self.scale_name if self.scale.counties == 1 else "county",
            today=self.today,
            root=root,
            township=min(plan.townships, key=lambda t: t.path),
            branch=self._demo_branch()[0].org,
            users={u.username: u for u in User.objects.filter(username__startswith="demo-")},
            say=self._say,
            password=password,
        )
        figures = []
        for module in app_modules("demo"):
            label = module.__name__.split(".")[1]
            if label in COUNTY_BUILDERS:
                continue
            started = time.monotonic()
            with transaction.atomic():
                figures.append((label, module.generate(ctx) or {}))
            # One line per app, so that whoever makes the demo faster sees where the time goes.
            self._say(f"  [{label}] 用时 {time.monotonic() - started:.1f} 秒")
        return figures

    def _build(self) -> Organization:
        """The root and the first county, generated; the other counties become `self.copies`."""
        area = f"{COUNTY_AREA_PREFIX}21"
        if self.scale.counties == 1:
            root = self._committee(None, "C", COUNTY_NAMES[0], 1)
            self._build_county(COUNTY_NAMES[0], area, root)
            return root
        if self.scale.cities:
            root = self._saved_committee(None, "P", PROVINCE_NAME, 1)
            cities = [
                self._saved_committee(root, f"P{j:02d}", CITY_NAMES[j - 1], j) for j in range(1, self.scale.cities + 1)
            ]
        else:
            root = self._saved_committee(None, "S", CITY_NAME, 1)
            cities = [root]
        per_city = self.scale.counties // len(cities)
        slots = [(city, i) for city in cities for i in range(1, per_city + 1)]
        (first_parent, _), rest = slots[0], slots[1:]
        county_root = self._committee(first_parent, f"{first_parent.code}01", COUNTY_NAMES[0], 1)
        self._build_county(COUNTY_NAMES[0], area, county_root)
        self.copies = [
            Target(
                parent=parent,
                path=rules.child_path(parent.path, i),
                code=f"{parent.code}{i:02d}",
                name=f"{COUNTY_NAMES[i - 1]}委",
                short_name=COUNTY_NAMES[i - 1],
            )
            for parent, i in rest
        ]
        return root

    def _committee(self, parent: Organization | None, code: str, name: str, position: int) -> Organization:
        return self.orgs.new_org(
            parent,
            code=code,
            path=rules.child_path(parent.path if parent else "", position),
            name=f"{name}委",
            short_name=name,
            org_type=OrgType.COMMITTEE,
            domain=Domain.AGENCY,
        )

    def _saved_committee(self, parent: Organization | None, code: str, name: str, position: int) -> Organization:
        """A city or province committee above the counties, saved at once (it is in no county)."""
        org = self._committee(parent, code, name, position)
        org.secretary_name = self.people.name(self.rng.random() < 0.8)
        Organization.objects.bulk_create([org])
        self.totals["organizations"] += 1
        return org

    def _build_county(self, name: str, area: str, root: Organization) -> None:
        spec = self.scale.spec
        self._say(f"正在生成 {name}……")
        plan = self.orgs.plan_county(name, area, root, spec.orgs)
        members = self.members.plan(plan, spec.lead_rate)
        self._save(plan, members)
        if self.first_county is None:
            self.first_county, self.first_members = plan, members

    def _say(self, message: str) -> None:
        if self.stdout is not None:
            # Django's OutputWrapper ends lines itself; a plain stream needs the newline.
            self.stdout.write(message if isinstance(self.stdout, OutputWrapper) else message + "\n")

    def _save(self, plan: CountyPlan, members: MemberPlan) -> None:
        save_county(plan, self._say)
        members.save(self._say)
        active = members.active
        self.totals.update(
            organizations=len(plan.orgs),
            members=active,
            member_records=len(members.members),
            townships=len(plan.townships),
            villages=len(plan.villages),
            communities=len(plan.communities),
            lead_households=len(members.leads),
            enterprises=sum(1 for e in plan.enterprises if e.kind == Enterprise.Kind.PRIVATE_ENTERPRISE),
            social_orgs=sum(1 for e in plan.enterprises if e.kind == Enterprise.Kind.SOCIAL_ORG),
        )
        self._say(
            f"  {plan.name}：党员 {active:,} 名，党员中心户 {len(members.leads):,} 户，两新组织 {len(plan.enterprises)} 个"
        )

    # ---- accounts ----------------------------------------------------------------------

    def _demo_branch(self) -> tuple[Unit, UnitStaff]:
        plan, staff = self.first_county, self.first_members.staff
        township = min(plan.townships, key=lambda t: t.path)
        candidates = [
            u
            for u in plan.units
            if u.org.type == OrgType.BRANCH
            and u.org.path.startswith(township.path)
            and u.size >= 3
            and not u.few_full
            and staff[u.org.path].plain_member is not None
        ]
        unit = min(candidates, key=lambda u: u.org.path)
        return unit, staff[unit.org.path]

    def _create_accounts(self, root: Organization, password: str) -> list[dict]:
        plan = self.first_county
        township = min(plan.townships, key=lambda t: t.path)
        branch, staff = self._demo_branch()
        Role = get_user_model().Role
        specs = [
            ("demo-county", Role.COUNTY_ADMIN, root, self.people.name(self.rng.random() < 0.5), None),
            ("demo-township", Role.TOWNSHIP_ADMIN, township, self.people.name(self.rng.random() < 0.5), None),
            ("demo-branch", Role.BRANCH_SECRETARY, branch.org, staff.secretary.name, staff.secretary),
            ("demo-member", Role.MEMBER, branch.org, staff.plain_member.name, staff.plain_member),
        ]
        accounts = []
        for username, role, org, display_name, member in specs:
            self._account(username, password, role=role, organization=org, display_name=display_name, member=member)
            accounts.append(
                {"username": username, "role": role.label, "organization": org.name, "display_name": display_name}
            )
        return accounts

    @staticmethod
    def _account(username: str, password: str, **fields):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            return User.objects.create_user(username, password=password, **fields)
        for name, value in fields.items():
            setattr(user, name, value)
        user.set_password(password)
        user.save()
        return user

    def _result(self, root: Organization, accounts: list[dict], password: str) -> dict:
        copies = 1 + len(self.copies)  # every county the same as the first
        figures = {
            key: self.totals[key] * copies
            for key in (
                "members",
                "member_records",
                "townships",
                "villages",
                "communities",
                "lead_households",
                "enterprises",
                "social_orgs",
            )
        }
        figures["organizations"] = Organization.objects.count() if self.copies else self.totals["organizations"]
        return {
            "seed": self.seed,
            "scale": self.scale_name,
            "today": self.today.isoformat(),
            "root": root.name,
            "counties": copies,
            **figures,
            "accounts": accounts,
            "password": password,
        }


def generate(seed: int, scale: str = "county", password: str = DEFAULT_PASSWORD, stdout: TextIO | None = None) -> dict:
    """Build the demo county (or city) in an empty database; returns counts and the demo accounts."""
    return Generator(seed, scale, stdout).run(password)
