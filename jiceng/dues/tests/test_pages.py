"""The dues pages as the three personas use them: forms, errors in Chinese, panels, menu."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from jiceng.core.models import AuditEntry
from jiceng.core.navigation import menu
from jiceng.dues.models import DuesBase, DuesConsent, DuesPayment, DuesSettings
from jiceng.dues.testing import at

pytestmark = pytest.mark.django_db


def test_secretary_records_a_payment_and_sees_errors_in_chinese(dues, client_as):
    c = client_as(dues.county.secretary_a)
    url = reverse("dues:pay", args=[dues.zhang.pk])
    with at(2026, 3, 20):
        page = c.get(url)
        assert page.status_code == 200 and "第十二条" in page.content.decode()
        bad = c.post(url, {"first_month": "2026-04", "paid_on": "2026-03-20", "method": "cash"})
        assert bad.status_code == 200 and "须经党支部同意按季度交纳" in bad.content.decode()
        wrong = c.post(
            url, {"first_month": "2026-03", "last_month": "2026-01", "paid_on": "2026-03-20", "method": "cash"}
        )
        assert "截止月份不能早于起始月份" in wrong.content.decode()
        ok = c.post(
            url,
            {
                "first_month": "2026-01",
                "last_month": "2026-03",
                "paid_on": "2026-03-20",
                "method": "online",
                "next": "https://evil.example/steal",  # never followed off the site
            },
            follow=True,
        )
        assert ok.redirect_chain[0][0] == reverse("dues:member", args=[dues.zhang.pk])
    assert "已登记张三 2026年1月、2026年2月、2026年3月党费，合计 150.00 元" in ok.content.decode()
    assert DuesPayment.objects.filter(member=dues.zhang).count() == 3


def test_member_dues_page_and_panel(dues, client_as):
    with at(2026, 3, 20):
        from jiceng.dues import services

        services.record_payment(None, dues.zhang, months=[date(2026, 2, 1)], paid_on=date(2026, 2, 5))
        own = client_as(dues.county.member_user).get(reverse("dues:mine"), follow=True)
        html = own.content.decode()
        assert "50.00 元/月" in html and "登记交纳" not in html  # a member reads, never records
        cells = {c.month: c.state for c in own.context["dues"].months}
        assert cells[date(2026, 1, 1)] == "unpaid" and cells[date(2026, 2, 1)] == "paid"
        assert cells[date(2025, 12, 1)] == "before" and cells[date(2026, 3, 1)] == "unpaid"
        member_page = client_as(dues.county.member_user).get(reverse("members:detail", args=[dues.zhang.pk]))
        assert 'data-panel="dues-base"' in member_page.content.decode()
        other = client_as(dues.county.member_user).get(reverse("dues:member", args=[dues.li.pk]))
        assert other.status_code == 404


def test_base_form_prefills_and_explains(dues, client_as):
    with at(2027, 1, 5):
        c = client_as(dues.county.secretary_a)  # logged in at the travelled time: sessions expire
        page = c.get(reverse("dues:base", args=[dues.zhang.pk]))
        assert page.context["form"].initial["income"] == Decimal("5000.00")  # carried from 2026
        bad = c.post(reverse("dues:base", args=[dues.zhang.pk]), {"year": "2027", "category": "employed"})
        assert "请填写月收入" in bad.content.decode()
        c.post(reverse("dues:base", args=[dues.zhang.pk]), {"year": "2027", "category": "employed", "income": "6500"})
    assert DuesBase.objects.get(member=dues.zhang, year=2027).monthly_amount == Decimal("97.50")


def test_consent_and_delete_pages(dues, client_as):
    c = client_as(dues.county.secretary_a)
    with at(2026, 4, 3):
        c.post(
            reverse("dues:consent", args=[dues.zhang.pk]),
            {"first_month": "2026-04", "last_month": "2026-12", "decided_on": "2026-04-02", "decision": "支委会同意"},
        )
        consent = DuesConsent.objects.get()
        c.post(
            reverse("dues:pay", args=[dues.zhang.pk]),
            {"first_month": "2026-04", "last_month": "2026-06", "paid_on": "2026-04-03", "method": "cash"},
        )
        assert DuesPayment.objects.filter(consent=consent).count() == 2
        payment = DuesPayment.objects.get(month=date(2026, 6, 1))
        confirm = c.get(reverse("dues:payment_delete", args=[payment.pk]))
        assert "撤销后该月显示为未交" in confirm.content.decode()
        c.post(reverse("dues:payment_delete", args=[payment.pk]), {"reason": "多登了一个月"})
        c.post(reverse("dues:consent_revoke", args=[consent.pk]))
    assert DuesPayment.objects.count() == 2
    assert DuesConsent.objects.get().revoked_on == date(2026, 4, 3)


def test_settings_are_for_county_admins_and_audited(dues, client_as):
    assert client_as(dues.county.admin_a).get(reverse("dues:settings")).status_code == 403
    c = client_as(dues.county.county_admin)
    bad = c.post(reverse("dues:settings"), {"farmer_amount": "1.20", "reminder_day": "25"})
    assert bad.status_code == 200 and DuesSettings.current().farmer_amount == Decimal("0.50")
    c.post(reverse("dues:settings"), {"farmer_amount": "0.80", "ledger_start": "2025-07", "reminder_day": "20"})
    current = DuesSettings.current()
    assert (current.farmer_amount, current.ledger_start, current.reminder_day) == (
        Decimal("0.80"),
        date(2025, 7, 1),
        20,
    )
    assert AuditEntry.objects.filter(object_type="dues.DuesSettings", action="update").exists()
    # The new farmer default applies to bases set from now on, and the calculator says so.
    page = client_as(dues.county.member_user).get(reverse("dues:calculator"), {"category": "farmer"})
    assert "0.80 元" in page.content.decode()


def test_calculator_page_and_its_htmx_fragment(county, client_as):
    c = client_as(county.member_user)
    page = c.get(reverse("dues:calculator"), {"category": "employed", "income": "3000.01"})
    html = page.content.decode()
    assert 'data-figure="monthly_amount">30.00 元' in html and "非超额累进" in html
    fragment = c.get(reverse("dues:calculator"), {"category": "employed", "income": "abc"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "应为数字" in fragment.content.decode()


def test_org_and_command_panels_load_their_figures_lazily(dues, client_as):
    c = client_as(dues.county.admin_a)
    with at(2026, 3, 20):
        org_page = c.get(reverse("orgs:detail", args=[dues.county.branch_a.pk])).content.decode()
        assert "data-dues-panel" in org_page and reverse("dues:panel") in org_page
        command = c.get(reverse("dashboard:command")).content.decode()
        assert "党费收缴" in command
        from jiceng.dues import services

        services.record_payment(None, dues.zhang, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 5))
        panel = c.get(reverse("dues:panel"), {"org": dues.county.town_a.pk, "where": "command"})
    html = panel.content.decode()
    assert 'data-figure="dues_month_rate">33.3%' in html  # 1 of 3 in town A
    assert "本月尚有 2 人未交" in html
    assert c.get(reverse("dues:panel"), {"org": dues.county.town_b.pk}).status_code == 404


def test_menu_entries_by_role(dues):
    def labels(user):
        return {i.label for g in menu(user) for i in g.items}

    assert {"党费台账", "六个月预警", "党费基数核定", "党费计算器"} <= labels(dues.county.secretary_a)
    assert "党费设置" in labels(dues.county.county_admin) and "党费设置" not in labels(dues.county.admin_a)
    member = labels(dues.county.member_user)
    assert "我的党费" in member and "党费台账" not in member and "六个月预警" not in member


def test_bases_page_and_carry_forward(dues, client_as):
    with at(2027, 1, 5):
        c = client_as(dues.county.admin_a)
        page = c.get(reverse("dues:bases"), {"year": 2027})
        assert page.context["counts"] == {"active": 3, "set": 0, "carry": 3, "missing": 3}
        done = c.post(reverse("dues:bases_carry") + f"?org={dues.county.town_a.pk}", {"year": "2027"}, follow=True)
    assert "已按2026年度结转 3 人的2027年度党费基数" in done.content.decode()
    assert DuesBase.objects.filter(year=2027).count() == 3


def test_calculator_page_accepts_chinese_names_and_written_incomes(county, client_as):
    c = client_as(county.member_user)
    page = c.get(reverse("dues:calculator"), {"category": "退休", "income": "¥5,000.01元"})
    html = page.content.decode()
    assert 'data-figure="monthly_amount">50.00 元' in html
    assert page.context["form"]["category"].value() == "retired"  # the select shows the code
    unknown = c.get(reverse("dues:calculator"), {"category": "干部", "income": "3000"}).content.decode()
    assert "未知的党员类别" in unknown and "employed" in unknown and "relief" in unknown
