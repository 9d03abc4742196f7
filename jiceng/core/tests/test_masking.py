"""Masking of public text (`core/masking.py`): numbers typed any way are masked, the ordinary
numbers of a request are left alone. Pure functions, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jiceng.core import masking
from jiceng.core.masking import mask_text

# ---- how a number can be typed --------------------------------------------------------------------

SEPARATOR_CHARACTERS = [
    " ", "\u3000", "\u00a0", "\t", "\n", "-", "‐", "‑", "‒", "–", "—", "―", "－", "﹣", "−",
    "_", "＿", "/", "／", "\\", ".", "．", "·", "・", "\u200b", "(", ")", "（", "）",
]  # fmt: skip
SEPARATORS = st.text(alphabet=st.sampled_from(SEPARATOR_CHARACTERS), min_size=1, max_size=5)
FULL_WIDTH = dict(zip("0123456789", "０１２３４５６７８９", strict=True))
CHINESE = {
    "0": ["〇", "零"],
    "1": ["一", "幺", "壹"],
    "2": ["二", "贰"],
    "3": ["三", "叁"],
    "4": ["四", "肆"],
    "5": ["五", "伍"],
    "6": ["六", "陆"],
    "7": ["七", "柒"],
    "8": ["八", "捌"],
    "9": ["九", "玖"],
}
# Text around a number: Chinese words and punctuation, no digits (so the only digits in the
# output are those of the number), maybe a space.
AROUND = st.text(
    alphabet=st.sampled_from(list("请帮忙联系我电话手机是家住村口路灯坏了谢谢身份证号码卡办理，。：、！ 王小明")),
    max_size=12,
)


@st.composite
def spelled(draw, number: str, *, glued_prefix: int = 0):
    """`number` typed with random separators between random groupings of its characters; each
    group in ASCII, full-width digits or Chinese numerals. The first `glued_prefix` characters
    stay together (a landline's area code)."""
    pieces, group = [], number[0]
    for k, ch in enumerate(number[1:], start=1):
        if k >= glued_prefix and draw(st.booleans()):
            pieces.append(group)
            group = ""
        group += ch
    pieces.append(group)
    typed = []
    for k, piece in enumerate(pieces):
        style = draw(st.sampled_from(["ascii", "ascii", "full", "chinese"]))
        if style == "full":
            piece = "".join(FULL_WIDTH.get(c, c) for c in piece)
        elif style == "chinese":
            piece = "".join(draw(st.sampled_from(CHINESE[c])) if c in CHINESE else c for c in piece)
        if k:
            # Glued groups of different scripts stay two groups; glued ones of one script merge.
            typed.append(draw(st.one_of(st.just(""), SEPARATORS)))
        typed.append(piece)
    return "".join(typed)


def readable_runs(text: str) -> list[str]:
    """The digit runs a reader sees in `text`: digits of any kind read as ASCII, separators
    skipped, anything else (a star, a letter, a word) ending the run."""
    runs, run = [], ""
    for ch in text:
        value = masking.digit_value(ch)
        if value is not None:
            run += value
        elif not masking.is_separator(ch):
            if run:
                runs.append(run)
            run = ""
    if run:
        runs.append(run)
    return runs


def longest_kept(number: str, text: str) -> int:
    """The longest stretch of consecutive digits of `number` still readable in `text`."""
    digits = number.rstrip("X")
    best = 0
    for run in readable_runs(text):
        for a in range(len(digits)):
            for b in range(a + best + 1, len(digits) + 1):
                if digits[a:b] in run:
                    best = b - a
                else:
                    break
    return best


def check_masked(number: str, typed: str, prefix: str, suffix: str, *, kept: int = 4) -> str:
    out = mask_text(prefix + typed + suffix)
    assert longest_kept(number, out) <= kept, (prefix + typed + suffix, out)
    assert out.startswith(prefix) and out.endswith(suffix), out  # the words around are untouched
    assert mask_text(out) == out  # masking twice changes nothing more
    return out


# ---- numbers ----------------------------------------------------------------------------------------

MOBILES = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@st.composite
def landlines(draw):
    area = draw(st.sampled_from(["010", "021", "027", "0731", "0734", "0571", "0898", "0991"]))
    size = 7 if len(area) == 3 else draw(st.sampled_from([6, 7]))  # 8 digits after 010, 02x; 7–8 after 0xxx
    subscriber = draw(st.sampled_from("2345678")) + draw(st.text(alphabet="0123456789", min_size=size, max_size=size))
    return area, area + subscriber


def _check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@st.composite
def id_numbers(draw):
    region = draw(st.sampled_from(["110101", "130102", "150102", "420101", "430102", "510104", "650102", "820000"]))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)))
    body = region + f"{born:%Y%m%d}" + draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    if draw(st.booleans()):  # an old 15-digit number
        return region + f"{born:%y%m%d}" + body[-3:]
    return body + _check(body)


@st.composite
def card_numbers(draw):
    """A Luhn-valid card number of 16–19 digits with a Chinese or international prefix."""
    length = draw(st.integers(16, 19))
    prefix = draw(st.sampled_from(["62", "4", "51", "55", "35"]))
    body = prefix + draw(
        st.text(alphabet="0123456789", min_size=length - 1 - len(prefix), max_size=length - 1 - len(prefix))
    )
    total = 0
    for k, d in enumerate(reversed(body)):
        n = int(d) * (2 if k % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


@given(MOBILES, st.data(), AROUND, AROUND)
def test_a_mobile_however_typed_keeps_at_most_its_first_3_and_last_4_digits(number, data, prefix, suffix):
    typed = data.draw(spelled(number))
    out = check_masked(number, typed, prefix, suffix)
    assert number[:3] + "****" + number[-4:] in out


@given(landlines(), st.data(), AROUND, AROUND)
def test_a_landline_with_its_area_code_however_typed_is_masked(landline, data, prefix, suffix):
    area, number = landline
    typed = data.draw(spelled(number, glued_prefix=len(area)))
    out = check_masked(number, typed, prefix, suffix)
    assert number[:3] + "****" + number[-4:] in out


@given(id_numbers(), st.data(), AROUND, AROUND)
def test_an_id_number_however_typed_keeps_at_most_4_and_4_characters(number, data, prefix, suffix):
    typed = data.draw(spelled(number))
    groups = [g.digits for chain in masking._chains(typed) for g in chain]
    assume(not masking.date_range_groups(groups))  # documented: typed as two dates in a row, it reads as a date range
    out = check_masked(number, typed, prefix, suffix)
    assert number[:4] + "*" * (len(number) - 8) + number[-4:] in out


@given(card_numbers(), st.data(), AROUND, AROUND)
def test_a_card_number_however_typed_keeps_only_its_last_4_digits(number, data, prefix, suffix):
    typed = data.draw(spelled(number))
    groups = [g.digits for chain in masking._chains(typed) for g in chain]
    assume(not masking.has_date_groups(groups))  # documented: a card typed as a date is not read as one
    out = check_masked(number, typed, prefix, suffix)
    as_id = number[:4] + "*" * 10 + number[-4:]  # 18 digits with a birth date in the middle read as an ID
    assert "*" * (len(number) - 4) + number[-4:] in out or (len(number) == 18 and as_id in out)


@pytest.mark.parametrize(
    "typed,shown",
    [
        # The cases of issue 11.
        ("身份证 110101-19900307-4514", "身份证 1101**********4514"),
        ("身份证 1101 0119 9003 0745 14", "身份证 1101**********4514"),
        ("身份证 11010119900307451X", "身份证 1101**********451X"),
        ("身份证 110101 19900307 451 x", "身份证 1101**********451X"),
        ("老身份证 110101900307451", "老身份证 1101*******7451"),
        ("电话 138_1234_5678", "电话 138****5678"),
        ("电话 138/1234/5678", "电话 138****5678"),
        ("电话 138    1234    5678", "电话 138****5678"),
        ("电话 138\u30001234\u30005678", "电话 138****5678"),
        ("电话 138—1234—5678", "电话 138****5678"),
        ("电话 138·1234·5678", "电话 138****5678"),
        ("电话一三八一二三四五六七八", "电话138****5678"),
        ("电话幺三八零零零零一二三四", "电话138****1234"),
        ("电话１３８－１２３４－５６７８", "电话138****5678"),
        ("电话 138一二三四5678", "电话 138****5678"),
        ("周一13812345678来电", "周一138****5678来电"),
        ("座机 0731_1234_5678", "座机 073****5678"),
        ("座机 〇七三一 一二三四五六七八", "座机 073****5678"),
        ("卡号 6222 0212 3456 7890 123", "卡号 ***************0123"),
        ("卡号6222021234567890", "卡号************7890"),
        ("电话 13812345678 2026-05-01 来电", "电话 138****5678 2026-05-01 来电"),
    ],
)
def test_the_typed_forms_of_issue_11(typed, shown):
    assert mask_text(typed) == shown


# ---- what stays -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-01 上午 9:30 在 3-2-501 室",
        "2026/5/1、2026.05.01、20260501、2026年5月1日",
        "时间 2026-05-01—2026-05-31，共 3 人",
        "2026-05-01 12:00—2026-05-31 18:00",
        "2026.05.01-2026.05.31 3 组",
        "20260501-20260531",
        "金额 1,380.50 元，补贴 12000 元，面积 12345678 平方米",
        "3栋2单元501，3-2-501，12号楼 1 单元 302",
        "邮编 410000，2025 年，第 3 季度",
        "订单号 513812345678",
        "快递单号 773012345678901",
        "一二三四，第一，三五成群，十一月，一一〇",
        "已修复 138****5678，身份证 1101**********4514",
        "IP 192.168.100.100",
        "版本 1.2.3",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert mask_text(text) == text


DATE_FORMATS = ["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y.%m.%d}", "{:%Y%m%d}", "{d.year}-{d.month}-{d.day}"]


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2060, 12, 31)),
    st.integers(0, 400),
    st.sampled_from(DATE_FORMATS),
    st.sampled_from(["—", "-", " - ", " 至 ", "~", "到", " — ", "－"]),
    st.sampled_from(["", " 3 人", " 12:00", "，3 组", " 上午"]),
)
def test_dates_and_date_ranges_are_left_alone(start, days, fmt, between, after):
    end = start + timedelta(days=days)
    text = fmt.format(start, d=start) + between + fmt.format(end, d=end) + after
    assert mask_text(text) == text


@given(
    st.integers(1, 40),
    st.integers(1, 9),
    st.integers(101, 3299),
    st.sampled_from(["-", "—", "/", " - "]),
    st.decimals(min_value=0, max_value=99999999, places=2, allow_nan=False),
)
def test_room_numbers_and_amounts_are_left_alone(building, unit, room, sep, amount):
    text = f"住 {building}{sep}{unit}{sep}{room} 室，垫付 {amount} 元"
    assert mask_text(text) == text


def test_the_resident_own_name_and_stored_phone_are_masked():
    out = mask_text("王小明说：请联系王小明 138-0000-1234", name="王小明", phone="13800001234")
    assert out == "王**说：请联系王** 138****1234"
