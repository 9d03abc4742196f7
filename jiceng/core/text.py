"""Chinese text helpers: pinyin keys for searching names (pypinyin)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's common reading; pypinyin has no
# surname mode, and 单 read as "dan" would make `s` fail to find 单雄信.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "尉": "yu",
    "繁": "po",
    "缪": "miao",
    "员": "yun",
    "召": "shao",
    "种": "chong",
    "秘": "bi",
    "燕": "yan",
    "沈": "shen",
    "长": "chang",
}


def pinyin_keys(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三 — full pinyin and initials, lower case, no separators."""
    name = (name or "").strip()
    if not name:
        return "", ""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    if name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials
