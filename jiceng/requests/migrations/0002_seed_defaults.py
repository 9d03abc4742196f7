"""Default categories and deadline rules [C] (domain spec §5), and on PostgreSQL a trigger that
keeps the request timeline append-only."""

from django.db import migrations

CATEGORIES = [
    # code, name, group, description, keywords
    ("road", "道路交通", "城乡建设", "道路破损、路灯、交通安全设施", "道路,路灯,桥梁,交通"),
    ("utilities", "水电气暖", "公用事业", "停水、停电、燃气、供暖等公用事业（24 小时办结）", "停水,停电,燃气,暖气"),
    ("sanitation", "环境卫生", "城乡建设", "垃圾清运、污水、环境污染", "垃圾,污水,卫生,噪音"),
    ("dispute", "邻里纠纷", "矛盾调解", "邻里、家庭、土地等矛盾纠纷调解", "纠纷,调解,矛盾"),
    ("welfare", "社会保障", "民生服务", "低保、医保、养老、救助等", "低保,医保,养老,救助"),
    ("other", "其他", "其他", "不属于以上类别的事项", ""),
]

# category code (None: any), tier, priority, (assign), (response), (done), note
RULES = [
    (
        None,
        "",
        "",
        (1, "working_days"),
        (3, "working_days"),
        (7, "working_days"),
        "“13710”：1个工作日内签收，3个工作日内反馈，7个工作日内办结",
    ),
    (None, "on_spot", "", None, None, (0, "working_days"), "当场办：受理当日办结（非工作日受理的，下一个工作日内）"),
    (None, "coordinate", "", None, None, (30, "days"), "重大、协调事项一个月（30日）内办结"),
    ("utilities", "", "", None, None, (24, "hours"), "水电气暖等公用事业 24 小时内办结"),
    (None, "", "urgent", None, (10, "minutes"), None, "村内紧急求助 10 分钟内有人到场"),
    (None, "", "emergency", None, (2, "hours"), None, "危及生命财产安全的突发事项 2 小时内处置"),
]

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION jiceng_request_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '诉求办理记录只能追加，不能修改或删除';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER requests_requestevent_append_only
    BEFORE UPDATE ON requests_requestevent
    FOR EACH ROW EXECUTE FUNCTION jiceng_request_event_append_only();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS requests_requestevent_append_only ON requests_requestevent;
DROP FUNCTION IF EXISTS jiceng_request_event_append_only();
"""


def seed(apps, schema_editor):
    Category = apps.get_model("requests", "Category")
    DeadlineRule = apps.get_model("requests", "DeadlineRule")
    by_code = {}
    for order, (code, name, group, description, keywords) in enumerate(CATEGORIES, start=1):
        by_code[code], _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "description": description,
                "keywords": keywords,
                "order": order * 10,
            },
        )
    if DeadlineRule.objects.exists():
        return
    for code, tier, priority, assign, response, done, note in RULES:
        fields = {"category": by_code[code] if code else None, "tier": tier, "priority": priority, "note": note}
        for stage, value in (("assign", assign), ("response", response), ("done", done)):
            if value:
                fields[f"{stage}_amount"], fields[f"{stage}_unit"] = value
        DeadlineRule.objects.create(**fields)


def trigger(apps, schema_editor):
    # UPDATE only: deleting a request (never done by the platform) may still cascade.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def untrigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(trigger, untrigger),
    ]
