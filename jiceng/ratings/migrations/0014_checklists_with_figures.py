"""From 2027 (rules.FIGURES_FROM) the default organization checklists read the figures of the apps
that own the records: training (training.no_demerits), recruitment (development.on_schedule) and
residents' requests (requests.on_time, requests.satisfaction). A checklist is versioned data by
year, so this is a new version of each kind, not a change to the stored one: ratings already made
keep the version they used."""

from django.db import migrations
from django.db.models import Max

FIGURES_FROM = 2027
NOTE = "2027年起增加教育培训、发展党员、群众诉求的自动细则（系统默认标准）"

# The default checklists as they were when this migration was written (jiceng/ratings/rules.py
# DEFAULT_CHECKLISTS, parsed).
DEFAULTS = {
    "five_good": [
        "“五个好”党组织评定标准",
        [
            {
                "code": "s1",
                "name": "领导班子好",
                "items": [
                    {
                        "code": "s1i1",
                        "name": "班子健全、团结，书记履职尽责",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
            {
                "code": "s2",
                "name": "党员队伍好",
                "items": [
                    {
                        "code": "s2i1",
                        "name": "党员积分达到合格进度",
                        "mode": "auto",
                        "component": "ratings.points",
                        "threshold": "80",
                    },
                    {
                        "code": "s2i2",
                        "name": "党费按月足额交纳",
                        "mode": "auto",
                        "component": "dues.completion",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i3",
                        "name": "党员参加培训，无故缺课不超限",
                        "mode": "auto",
                        "component": "training.no_demerits",
                        "threshold": "95",
                    },
                ],
            },
            {
                "code": "s3",
                "name": "制度建设好",
                "items": [
                    {
                        "code": "s3i1",
                        "name": "“三会一课”等组织生活按期落实",
                        "mode": "auto",
                        "component": "life.compliance",
                        "threshold": "90",
                    },
                    {
                        "code": "s3i2",
                        "name": "党员参加组织生活出勤",
                        "mode": "auto",
                        "component": "life.attendance",
                        "threshold": "80",
                    },
                ],
            },
            {
                "code": "s4",
                "name": "工作业绩好",
                "items": [
                    {
                        "code": "s4i1",
                        "name": "年度督查得分",
                        "mode": "auto",
                        "component": "ratings.inspections",
                        "threshold": "80",
                    },
                    {
                        "code": "s4i2",
                        "name": "发展党员程序规范、无逾期事项",
                        "mode": "auto",
                        "component": "development.on_schedule",
                        "threshold": "90",
                    },
                    {
                        "code": "s4i3",
                        "name": "完成年度党建重点任务",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    },
                ],
            },
            {
                "code": "s5",
                "name": "群众反映好",
                "items": [
                    {
                        "code": "s5i1",
                        "name": "群众诉求按时办结",
                        "mode": "auto",
                        "component": "requests.on_time",
                        "threshold": "90",
                    },
                    {
                        "code": "s5i2",
                        "name": "群众对诉求办理满意",
                        "mode": "auto",
                        "component": "requests.satisfaction",
                        "threshold": "90",
                    },
                    {
                        "code": "s5i3",
                        "name": "群众满意度高，无重大信访和负面舆情",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    },
                ],
            },
        ],
    ],
    "five_strong": [
        "村党组织“五强”评定标准",
        [
            {
                "code": "s1",
                "name": "支部班子强",
                "items": [
                    {
                        "code": "s1i1",
                        "name": "村“两委”班子健全，书记带头致富、带领致富能力强",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
            {
                "code": "s2",
                "name": "党员队伍强",
                "items": [
                    {
                        "code": "s2i1",
                        "name": "党员积分达到合格进度",
                        "mode": "auto",
                        "component": "ratings.points",
                        "threshold": "80",
                    },
                    {
                        "code": "s2i2",
                        "name": "党费按月足额交纳",
                        "mode": "auto",
                        "component": "dues.completion",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i3",
                        "name": "党员参加培训，无故缺课不超限",
                        "mode": "auto",
                        "component": "training.no_demerits",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i4",
                        "name": "发展党员程序规范、无逾期事项",
                        "mode": "auto",
                        "component": "development.on_schedule",
                        "threshold": "90",
                    },
                ],
            },
            {
                "code": "s3",
                "name": "制度机制强",
                "items": [
                    {
                        "code": "s3i1",
                        "name": "“三会一课”等组织生活按期落实",
                        "mode": "auto",
                        "component": "life.compliance",
                        "threshold": "90",
                    },
                    {
                        "code": "s3i2",
                        "name": "党员参加组织生活出勤",
                        "mode": "auto",
                        "component": "life.attendance",
                        "threshold": "80",
                    },
                ],
            },
            {
                "code": "s4",
                "name": "发展能力强",
                "items": [
                    {
                        "code": "s4i1",
                        "name": "村集体经济收入稳定增长",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    },
                    {
                        "code": "s4i2",
                        "name": "年度督查得分",
                        "mode": "auto",
                        "component": "ratings.inspections",
                        "threshold": "80",
                    },
                ],
            },
            {
                "code": "s5",
                "name": "服务群众强",
                "items": [
                    {
                        "code": "s5i1",
                        "name": "群众诉求按时办结",
                        "mode": "auto",
                        "component": "requests.on_time",
                        "threshold": "90",
                    },
                    {
                        "code": "s5i2",
                        "name": "群众对诉求办理满意",
                        "mode": "auto",
                        "component": "requests.satisfaction",
                        "threshold": "90",
                    },
                    {
                        "code": "s5i3",
                        "name": "为民服务事项办理及时，群众满意",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    },
                ],
            },
        ],
    ],
    "five_excellent": [
        "机关、学校、医院党组织“五优”评定标准",
        [
            {
                "code": "s1",
                "name": "班子建设优",
                "items": [
                    {
                        "code": "s1i1",
                        "name": "班子团结，落实党建工作责任制",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
            {
                "code": "s2",
                "name": "党员队伍优",
                "items": [
                    {
                        "code": "s2i1",
                        "name": "党员积分达到合格进度",
                        "mode": "auto",
                        "component": "ratings.points",
                        "threshold": "80",
                    },
                    {
                        "code": "s2i2",
                        "name": "党费按月足额交纳",
                        "mode": "auto",
                        "component": "dues.completion",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i3",
                        "name": "党员参加培训，无故缺课不超限",
                        "mode": "auto",
                        "component": "training.no_demerits",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i4",
                        "name": "发展党员程序规范、无逾期事项",
                        "mode": "auto",
                        "component": "development.on_schedule",
                        "threshold": "90",
                    },
                ],
            },
            {
                "code": "s3",
                "name": "组织生活优",
                "items": [
                    {
                        "code": "s3i1",
                        "name": "“三会一课”等组织生活按期落实",
                        "mode": "auto",
                        "component": "life.compliance",
                        "threshold": "90",
                    },
                    {
                        "code": "s3i2",
                        "name": "党员参加组织生活出勤",
                        "mode": "auto",
                        "component": "life.attendance",
                        "threshold": "80",
                    },
                ],
            },
            {
                "code": "s4",
                "name": "制度落实优",
                "items": [
                    {
                        "code": "s4i1",
                        "name": "年度督查得分",
                        "mode": "auto",
                        "component": "ratings.inspections",
                        "threshold": "80",
                    }
                ],
            },
            {
                "code": "s5",
                "name": "作用发挥优",
                "items": [
                    {
                        "code": "s5i1",
                        "name": "党建与业务深度融合，服务对象满意",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
        ],
    ],
    "five_haves": [
        "非公企业和社会组织党组织“五有”评定标准",
        [
            {
                "code": "s1",
                "name": "有组织班子",
                "items": [
                    {
                        "code": "s1i1",
                        "name": "党组织书记和委员配备到位",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
            {
                "code": "s2",
                "name": "有党员队伍",
                "items": [
                    {
                        "code": "s2i1",
                        "name": "党员积分达到合格进度",
                        "mode": "auto",
                        "component": "ratings.points",
                        "threshold": "80",
                    },
                    {
                        "code": "s2i2",
                        "name": "党费按月足额交纳",
                        "mode": "auto",
                        "component": "dues.completion",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i3",
                        "name": "党员参加培训，无故缺课不超限",
                        "mode": "auto",
                        "component": "training.no_demerits",
                        "threshold": "95",
                    },
                    {
                        "code": "s2i4",
                        "name": "发展党员程序规范、无逾期事项",
                        "mode": "auto",
                        "component": "development.on_schedule",
                        "threshold": "90",
                    },
                ],
            },
            {
                "code": "s3",
                "name": "有活动阵地",
                "items": [
                    {
                        "code": "s3i1",
                        "name": "有固定的党员活动场所和标识",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    }
                ],
            },
            {
                "code": "s4",
                "name": "有工作制度",
                "items": [
                    {
                        "code": "s4i1",
                        "name": "“三会一课”等组织生活按期落实",
                        "mode": "auto",
                        "component": "life.compliance",
                        "threshold": "90",
                    },
                    {
                        "code": "s4i2",
                        "name": "党员参加组织生活出勤",
                        "mode": "auto",
                        "component": "life.attendance",
                        "threshold": "80",
                    },
                ],
            },
            {
                "code": "s5",
                "name": "有作用发挥",
                "items": [
                    {
                        "code": "s5i1",
                        "name": "在企业（组织）发展中发挥政治引领作用",
                        "mode": "manual",
                        "component": "",
                        "threshold": "",
                    },
                    {
                        "code": "s5i2",
                        "name": "年度督查得分",
                        "mode": "auto",
                        "component": "ratings.inspections",
                        "threshold": "80",
                    },
                ],
            },
        ],
    ],
}


def figures_version(apps, schema_editor):
    """For each kind whose latest version is still the default of migration 0009, a version with
    the new items from 2027 — or from the year after the kind's last rating, if an installation
    upgraded later already rated 2027 or after (those ratings keep their version). A county that
    wrote its own version keeps it: the new components are offered in its editor."""
    import importlib

    first = importlib.import_module("jiceng.ratings.migrations.0009_org_star_ratings").DEFAULTS
    Checklist = apps.get_model("ratings", "OrgChecklist")
    Rating = apps.get_model("ratings", "OrgRating")
    for kind, (name, standards) in DEFAULTS.items():
        latest = Checklist.objects.filter(kind=kind).order_by("-valid_from").first()
        if latest is None or latest.standards != first[kind][1]:
            continue  # not installed yet, or the county's own version
        last_rated = Rating.objects.filter(checklist__kind=kind).aggregate(year=Max("year"))["year"] or 0
        start = max(FIGURES_FROM, latest.valid_from + 1, last_rated + 1)
        Checklist.objects.create(kind=kind, valid_from=start, name=name, standards=standards, note=NOTE)


def drop_unused(apps, schema_editor):
    Checklist = apps.get_model("ratings", "OrgChecklist")
    Rating = apps.get_model("ratings", "OrgRating")
    Checklist.objects.filter(note=NOTE).exclude(pk__in=Rating.objects.values("checklist_id")).delete()


class Migration(migrations.Migration):
    dependencies = [("ratings", "0013_appraisal_return_and_county_rule")]

    operations = [migrations.RunPython(figures_version, drop_unused)]
