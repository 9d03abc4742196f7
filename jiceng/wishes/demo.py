"""Demo data: two years of small wishes (the records' window of jiceng/demo/context.py; the
figures per village below are a year's) in every village and community, in every state, with
their timelines. Older wishes are mostly fulfilled and confirmed,
recent ones still wait in the pool; members, party branches and social organizations of the
township claim them. The demo member has claims of their own and the demo branch's village
has a wish in every state, including overdue ones. Written with `bulk_create`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone

from jiceng.core.calendar import WorkingCalendar
from jiceng.members.demo import resident_name, resident_phone
from jiceng.members.models import Member
from jiceng.orgs.models import Enterprise, Organization
from jiceng.orgs.queries import PLACE_DOMAINS as PLACES
from jiceng.orgs.queries import township_like

from . import rules
from .models import Wish, WishEvent, WishSettings

S = rules.State
PER_VILLAGE = {"tiny": 12, "county": 8}  # a year's
WISHES = {
    "goods": ["冬天需要一床厚棉被", "家里缺一台电风扇", "想要一个电饭煲", "孩子需要一辆上学骑的自行车"],
    "study": ["孩子上学需要书包和文具", "想要一套课外读物", "希望有人辅导孩子功课", "需要一盏护眼台灯"],
    "health": ["行动不便，需要一副拐杖", "希望医生上门量量血压", "需要一台轮椅", "想要一个血糖仪"],
    "elderly": ["独居老人，希望有人常来陪着聊聊天", "想学用智能手机和子女视频", "希望有人帮忙理发", "想要一台收音机"],
    "repair": ["屋顶漏雨需要修补", "家里电线老化想请人检查", "水龙头坏了需要更换", "院门需要修一修"],
    "job": ["想学电商直播卖自家农产品", "希望找一份离家近的工作", "想学一门修理手艺"],
    "culture": ["想要一些戏曲光碟", "希望村里放一场电影", "想要几本养殖技术书"],
    "other": ["想给孙子过一个生日", "希望帮忙联系远方的亲戚", "想拍一张全家福"],
}
KEY_WISHES = ["村里老人多，希望建一个日间照料点", "小组道路没有路灯，希望装几盏", "希望给留守儿童开一个暑期课堂"]
FULFIL_NOTES = [
    "已送到群众家中，群众很满意",
    "党员上门帮忙解决",
    "联系爱心企业捐赠，已交到群众手中",
    "组织志愿者上门服务",
]


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("wishes")
    per_village = PER_VILLAGE.get(ctx.scale, PER_VILLAGE["county"])
    config = WishSettings.current()
    today = ctx.today
    now = timezone.make_aware(datetime.combine(today, time(18, 0)))
    span = (today - ctx.first_month).days
    calendar = WorkingCalendar.load(ctx.first_month.year, today.year + 1)
    towns = list(township_like(ctx.root))
    villages = list(Organization.objects.filter(parent__in=towns, domain__in=PLACES).order_by("path"))
    members_by_town = defaultdict(list)
    town_paths = {t.path: t for t in towns}
    depth_cut = len(towns[0].path) if towns else 0
    for pk, path in (
        Member.objects.filter(ctx.root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .values_list("pk", "organization__path")
        .order_by("pk")
        .iterator(chunk_size=5000)
    ):
        town = town_paths.get(path[:depth_cut])
        if town is not None and rng.random() < 0.15:  # a sample is enough to draw claimants from
            members_by_town[town.pk].append(pk)
    branches_by_town = defaultdict(list)
    for pk, path in Organization.objects.filter(
        ctx.root.subtree_filter(), type=Organization.Type.BRANCH, domain__in=PLACES
    ).values_list("pk", "path"):
        town = town_paths.get(path[:depth_cut])
        if town is not None:
            branches_by_town[town.pk].append(pk)
    firms_by_town = defaultdict(list)
    for pk, town_id, kind in Enterprise.objects.filter(township__in=towns).values_list("pk", "township_id", "kind"):
        firms_by_town[town_id].append((kind == Enterprise.Kind.SOCIAL_ORG, pk))
    demo_member = getattr(ctx.users.get("demo-member"), "member", None)
    demo_village = _village_of(ctx.branch, villages)
    staff = ctx.users.get("demo-township")

    used_tickets: set[str] = set()
    wishes, plans = [], []
    for village in villages:
        n = round(per_village * span / 365) + (6 if village == demo_village else 0)
        for i in range(n):
            age = int(rng.triangular(0, span - 1, 30))
            if village == demo_village and i < 6:
                age = [1, 6, 12, 40, 45, 80][i]  # a fresh one, an overdue one, one in the pool …
            posted = timezone.make_aware(
                datetime.combine(today - timedelta(days=age), time(rng.randint(8, 20), rng.randint(0, 59)))
            )
            key = rng.random() < 0.12
            category = rng.choice(list(WISHES))
            text = rng.choice(KEY_WISHES) if key else rng.choice(WISHES[category])
            name = resident_name(rng) if rng.random() < 0.8 else ""
            ticket = _ticket(rng, posted)
            while ticket in used_tickets:
                ticket = _ticket(rng, posted)
            used_tickets.add(ticket)
            wish = Wish(
                ticket=ticket,
                organization=village,
                requester_name=name,
                phone=resident_phone(rng),
                address=f"{rng.choice('一二三四五六七八')}组{rng.randint(1, 40)}号",
                category="other" if key and category == "goods" else category,
                description=text,
                channel=rng.choices(
                    [rules.Channel.QR, rules.Channel.STAFF, rules.Channel.LIAISON], weights=[60, 30, 10]
                )[0],
                posted_at=posted,
                accept_due_at=calendar.deadline(posted, config.accept_working_days).at,
                created_by=None,
            )
            plan = _plan(rng, wish, age, key, village == demo_village and i < 6, i, now, calendar, config)
            wishes.append(wish)
            plans.append(plan)

    # Claimants: members of the township (the demo member takes some in their township),
    # its branches, its social organizations and enterprises.
    town_of = {v.pk: v.parent_id for v in villages}
    path_of = {v.pk: v.path for v in villages}
    demo_town_path = demo_member.organization.path[:depth_cut] if demo_member is not None else None
    demo_claims = 0
    # In-office members registered with a community (在职党员到社区报到) claim some of its
    # basic wishes: the dual-registration figures count them (own random stream).
    dual_rng = ctx.rng("wishes-dual")
    registered = defaultdict(list)
    for mid, community_id, since in Member.objects.filter(
        registered_community__in=villages, status__in=Member.ACTIVE_STATUSES, registered_on__isnull=False
    ).values_list("pk", "registered_community_id", "registered_on"):
        registered[community_id].append((mid, since))
    for wish, plan in zip(wishes, plans, strict=True):
        if not plan["claim_at"]:
            continue
        town = town_of[wish.organization_id]
        dual = [
            m for m, since in registered.get(wish.organization_id, ()) if since <= timezone.localdate(plan["claim_at"])
        ]
        if plan["project"] == rules.Project.BASIC:
            if demo_claims < 4 and path_of[wish.organization_id][:depth_cut] == demo_town_path:
                wish.claimant_type, wish.claimed_member_id = rules.ClaimantType.MEMBER, demo_member.pk
                demo_claims += 1
            elif dual and dual_rng.random() < 0.6:
                wish.claimant_type, wish.claimed_member_id = rules.ClaimantType.MEMBER, dual_rng.choice(dual)
            elif members_by_town[town]:
                wish.claimant_type, wish.claimed_member_id = (
                    rules.ClaimantType.MEMBER,
                    rng.choice(members_by_town[town]),
                )
            else:
                wish.claimant_type, wish.claimed_org_id = (
                    rules.ClaimantType.PARTY_ORG,
                    rng.choice(branches_by_town[town] or [town]),
                )
        else:
            social = [pk for is_social, pk in firms_by_town[town] if is_social]
            firms = [pk for _, pk in firms_by_town[town]]
            if (social or firms) and rng.random() < 0.45:
                wish.claimant_type, wish.claimed_enterprise_id = (
                    rules.ClaimantType.SOCIAL_ORG,
                    rng.choice(social or firms),
                )
            else:
                wish.claimant_type, wish.claimed_org_id = (
                    rules.ClaimantType.PARTY_ORG,
                    rng.choice(branches_by_town[town] or [town]),
                )
    for wish, plan in zip(wishes, plans, strict=True):
        _apply_plan(wish, plan, staff, config)
    Wish.objects.bulk_create(wishes, batch_size=2000)
    events = []
    for wish, plan in zip(wishes, plans, strict=True):
        events.extend(_events(wish, plan))
    WishEvent.objects.bulk_create(events, batch_size=5000)
    counts = defaultdict(int)
    for wish in wishes:
        counts[wish.state] += 1
    ctx.say(
        f"微心愿：{len(wishes)} 个，已实现 {counts[S.FULFILLED] + counts[S.CONFIRMED]} 个，"
        f"心愿池待认领 {counts[S.POOLED]} 个"
    )
    return {
        "微心愿": len(wishes),
        "待审核": counts[S.POSTED],
        "待认领": counts[S.POOLED],
        "已认领": counts[S.CLAIMED],
        "已实现": counts[S.FULFILLED] + counts[S.CONFIRMED],
        "群众已确认": counts[S.CONFIRMED],
    }


def _ticket(rng, posted: datetime) -> str:
    # Like rules.new_ticket, but from the demo's seeded random source (same seed, same tickets).
    return f"W{timezone.localtime(posted):%y%m%d}" + "".join(rng.choice(rules.TICKET_ALPHABET) for _ in range(6))


def _village_of(branch: Organization, villages: list[Organization]) -> Organization | None:
    return next((v for v in villages if branch.path.startswith(v.path)), None)


def _at(moment: datetime, now: datetime) -> datetime | None:
    return moment if moment <= now else None


def _plan(rng, wish: Wish, age: int, key: bool, showcase: bool, index: int, now, calendar, config) -> dict:
    """When each step happened (None: not yet), by the wish's age."""
    posted = wish.posted_at
    plan = {"project": rules.Project.KEY if key else rules.Project.BASIC, "accept_at": None, "claim_at": None}
    plan.update({"fulfil_at": None, "confirm_at": None, "close": "", "close_at": None, "publish": False})
    if showcase:
        # The demo branch's village: posted (fresh), posted and overdue, pooled, claimed
        # (overdue), fulfilled waiting for confirmation, confirmed and published.
        stage = ["posted", "posted", "pooled", "claimed", "fulfilled", "confirmed"][index]
    else:
        roll = rng.random()
        if age <= 3:
            stage = "posted" if roll < 0.7 else "pooled"
        elif age <= 10 and roll < 0.08:
            stage = "posted"  # left waiting past the acceptance deadline
        elif roll < 0.04:
            stage = "rejected"
        elif roll < 0.07:
            stage = "withdrawn"
        elif age <= 30:
            stage = rng.choices(["pooled", "claimed", "fulfilled"], weights=[50, 35, 15])[0]
        elif age <= 90:
            stage = rng.choices(["pooled", "claimed", "fulfilled", "confirmed"], weights=[10, 10, 20, 60])[0]
        else:
            stage = rng.choices(["pooled", "claimed", "fulfilled", "confirmed"], weights=[3, 1, 11, 85])[0]
    if stage == "posted":
        return plan
    if stage == "rejected":
        plan.update(close="不属于微心愿范围，已转村委会按政策办理", close_at=min(posted + timedelta(days=1), now))
        return plan
    accept = calendar.deadline(posted, max(0, rng.randint(0, config.accept_working_days) - 1)).at - timedelta(hours=6)
    plan["accept_at"] = min(max(accept, posted + timedelta(hours=1)), now)
    if stage == "withdrawn":
        plan.update(close="群众已自行解决", close_at=min(plan["accept_at"] + timedelta(days=2), now))
        return plan
    if stage == "pooled":
        return plan
    claim = plan["accept_at"] + timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 8))
    if showcase and stage == "claimed":
        claim = now - timedelta(days=config.fulfil_days + 3)
    plan["claim_at"] = max(min(claim, now - timedelta(hours=1)), plan["accept_at"])
    if stage == "claimed":
        return plan
    fulfil = plan["claim_at"] + timedelta(days=rng.randint(1, 20))
    plan["fulfil_at"] = max(min(fulfil, now - timedelta(minutes=30)), plan["claim_at"])
    plan["note"] = rng.choice(FULFIL_NOTES)
    if stage == "fulfilled":
        return plan
    plan["confirm_at"] = max(
        min(plan["fulfil_at"] + timedelta(days=rng.randint(0, 5), hours=2), now), plan["fulfil_at"]
    )
    plan["channel"] = "online" if rng.random() < 0.7 else "phone"
    plan["rating"] = rules.Rating.SATISFIED if rng.random() < 0.85 else rules.Rating.BASIC
    plan["publish"] = showcase or rng.random() < 0.3
    return plan


def _apply_plan(wish: Wish, plan: dict, staff, config) -> None:
    wish.project = plan["project"] if plan["accept_at"] else ""
    wish.accepted_at = plan["accept_at"]
    wish.accepted_by = staff if plan["accept_at"] else None
    wish.public_description = (
        rules.mask_text(wish.description, name=wish.requester_name, phone=wish.phone) if plan["accept_at"] else ""
    )
    wish.state = S.POSTED
    wish.version = 0
    if plan["accept_at"]:
        wish.state, wish.version = S.POOLED, 1
    if plan["close_at"]:
        wish.state = S.WITHDRAWN if plan["accept_at"] else S.REJECTED
        wish.closed_at, wish.closed_reason = plan["close_at"], plan["close"]
        wish.version += 1
    if plan["claim_at"]:
        wish.state, wish.version = S.CLAIMED, wish.version + 1
        wish.claimed_at = plan["claim_at"]
        wish.fulfil_due_at = rules.fulfil_due(plan["claim_at"], config.fulfil_days)
    else:
        wish.claimant_type, wish.claimed_member_id, wish.claimed_org_id, wish.claimed_enterprise_id = (
            "",
            None,
            None,
            None,
        )
    if plan["fulfil_at"]:
        wish.state, wish.version = S.FULFILLED, wish.version + 1
        wish.fulfilled_at = plan["fulfil_at"]
        wish.fulfil_note = plan["note"]
    if plan["confirm_at"]:
        wish.state, wish.version = S.CONFIRMED, wish.version + 1
        wish.confirmed_at, wish.confirm_channel, wish.rating = plan["confirm_at"], plan["channel"], plan["rating"]
    if plan["publish"]:
        wish.published, wish.published_at = True, plan["confirm_at"]


def _events(wish: Wish, plan: dict) -> list[WishEvent]:
    def event(action, at, from_state, to_state, note="", role="村（社区）工作人员", public=True):
        return WishEvent(
            wish=wish,
            at=at,
            actor_role=role,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            public=public,
        )

    label = rules.Channel(wish.channel).label
    out = [
        event(
            "post",
            wish.posted_at,
            "",
            S.POSTED,
            f"通过「{label}」提交",
            role="群众" if wish.channel == "qr" else "村（社区）工作人员",
        )
    ]
    if plan["close_at"] and not plan["accept_at"]:
        out.append(event("reject", plan["close_at"], S.POSTED, S.REJECTED, plan["close"]))
        return out
    if plan["accept_at"]:
        out.append(event("accept", plan["accept_at"], S.POSTED, S.POOLED, "已进入心愿池，等待认领"))
    if plan["close_at"]:
        out.append(event("withdraw", plan["close_at"], S.POOLED, S.WITHDRAWN, plan["close"], role="群众"))
        return out
    if plan["claim_at"]:
        who = {
            rules.ClaimantType.MEMBER: "党员",
            rules.ClaimantType.PARTY_ORG: "党组织",
            rules.ClaimantType.SOCIAL_ORG: "社会组织",
        }[wish.claimant_type]
        out.append(
            event(
                "claim",
                plan["claim_at"],
                S.POOLED,
                S.CLAIMED,
                f"{who}认领",
                role="党员" if who == "党员" else "村（社区）工作人员",
            )
        )
    if plan["fulfil_at"]:
        out.append(event("fulfil", plan["fulfil_at"], S.CLAIMED, S.FULFILLED, wish.fulfil_note))
    if plan["confirm_at"]:
        out.append(event("confirm", plan["confirm_at"], S.FULFILLED, S.CONFIRMED, "群众确认心愿已实现", role="群众"))
    if plan["publish"]:
        out.append(event("publish", plan["confirm_at"], S.CONFIRMED, S.CONFIRMED, public=False))
    return out
