from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiceng.core import idnumbers


@given(
    birth=st.dates(min_value=date(1920, 1, 1), max_value=date(2008, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
    gender=st.sampled_from(["male", "female"]),
)
def test_made_numbers_parse_back_with_birth_date_and_gender(birth, seq, gender):
    number = idnumbers.make("420102", birth, seq, gender)
    info = idnumbers.parse(number, today=date(2026, 11, 23))
    assert info.birth_date == birth
    assert info.gender == gender


@given(birth=st.dates(min_value=date(1940, 1, 1), max_value=date(2000, 1, 1)), wrong=st.integers(0, 10))
def test_any_other_check_character_is_rejected(birth, wrong):
    number = idnumbers.make("420102", birth, 7, "male")
    bad = idnumbers.CHECK_CODES[wrong]
    if bad == number[-1]:
        return
    with pytest.raises(idnumbers.IdNumberError, match="校验位"):
        idnumbers.parse(number[:17] + bad)


def test_known_valid_number_with_x():
    # GB 11643 worked example: 11010519491231002X
    info = idnumbers.parse("11010519491231002x")
    assert info.birth_date == date(1949, 12, 31) and info.gender == "female"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("1101051949123100", "18位"),
        ("11010519491331002X", "出生日期"),
        ("1101052030010100", "18位"),
        ("A1010519491231002X", "前17位"),
    ],
)
def test_bad_numbers_explain_why(raw, message):
    with pytest.raises(idnumbers.IdNumberError, match=message):
        idnumbers.parse(raw)


def test_birth_date_in_future_rejected():
    number = idnumbers.make("420102", date(2027, 1, 1), 1, "male")
    with pytest.raises(idnumbers.IdNumberError, match="不合理"):
        idnumbers.parse(number, today=date(2026, 11, 23))


def test_mask_encrypt_digest():
    number = "11010519491231002X"
    assert idnumbers.mask(number) == "1101**********002X"
    token = idnumbers.encrypt(number)
    assert number not in token and idnumbers.decrypt(token) == number
    assert idnumbers.digest(number) == idnumbers.digest(number.lower())
    assert idnumbers.digest(number) != idnumbers.digest("110105194912310011")
