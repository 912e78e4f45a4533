"""Normalise the dates that Chinese news pages print into ISO 8601, Asia/Shanghai.

Cheap compiled regexes come first and cover every form the portals use
(年月日, dashes/slashes/dots, full-width digits, Chinese numerals, 上午/下午 with 半
and 刻, weekdays, month-day without a year, 20240307, 3天前/半小时前/2天3小时前,
昨天/今日/昨晚, 上个月15号/去年3月5日, 刚刚, ISO timestamps). A day/month order the
text cannot settle (1/2/2020) gives nothing rather than a guess. dateparser is the
last resort, for text none of them recognises. Every result is bounded to
[``EARLIEST_DATE``, now + ``FUTURE_TOLERANCE``].

The clock is never read: relative dates are read against the time the page was fetched,
given as ``now``, and give nothing without it; a date shown without its year takes one of
the ``years`` the caller knows from the page, and gives nothing without them. A date that
is one end of a range (``6月1日至6月30日``, ``9:30~11:30``) or a lunar one (``农历8月23号``)
gives nothing, as does an "ago" counted in weeks, months or years, whose day would be a guess.

Pure module: no Scrapy import, so page objects and tests can use it directly.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Nothing we archive predates the Chinese medical portals; older dates are misparses.
EARLIEST_DATE = date(1990, 1, 1)
#: How far past the fetch time a date may lie (site clocks and time zones drift).
FUTURE_TOLERANCE = timedelta(days=1)
#: Longest text handed to dateparser; real date strings are far shorter.
DATEPARSER_MAX_LENGTH = 80

#: Words that open a weekday (星期一, 周一, 礼拜一); the day follows as one character.
WEEKDAY_PREFIXES = ("星期", "周", "週", "礼拜", "禮拜")
WEEKDAY_DAYS = "一二三四五六日天"

#: Words before a clock time, and the hours they add to a 12-hour clock.
MERIDIEM_WORDS = {"上午": 0, "早上": 0, "凌晨": 0, "下午": 12, "晚上": 12, "傍晚": 12}

#: Words for "a moment ago"; they resolve to the fetch time itself.
JUST_NOW_WORDS = ("刚刚", "剛剛", "几秒前", "幾秒前", "几秒钟前", "幾秒鐘前")

#: Words naming a day relative to the fetch day, and how many days back it is.
DAY_WORDS = {
    "今天": 0, "今日": 0, "本日": 0, "今晨": 0, "今早": 0,
    "昨天": 1, "昨日": 1, "昨晚": 1, "昨夜": 1,
    "前天": 2, "前日": 2, "大前天": 3,
}
#: Day words that name an evening: a clock hour after them is p.m. (昨晚8时 is 20:00).
EVENING_DAY_WORDS = ("昨晚", "昨夜")

#: Words naming a month relative to the fetch month (上个月15号), and how many months back.
MONTH_WORDS = {"本月": 0, "这个月": 0, "這個月": 0, "上月": 1, "上个月": 1, "上個月": 1}
#: Words naming a year relative to the fetch year (去年3月5日, 去年本月十日), and how many years back.
YEAR_WORDS = {"今年": 0, "去年": 1, "前年": 2}

#: Units of "N<unit>前" and the calendar field they count. Units below a day give a time.
AGO_UNITS = {
    "秒": "seconds", "秒钟": "seconds", "秒鐘": "seconds",
    "分钟": "minutes", "分鐘": "minutes",
    "小时": "hours", "小時": "hours", "个小时": "hours", "個小時": "hours",
    "钟头": "hours", "鐘頭": "hours", "个钟头": "hours", "個鐘頭": "hours",
    "个钟": "hours", "個鐘": "hours",
    "天": "days", "日": "days",
    "周": "weeks", "週": "weeks", "星期": "weeks", "个星期": "weeks", "個星期": "weeks",
    "礼拜": "weeks", "禮拜": "weeks", "个礼拜": "weeks", "個禮拜": "weeks",
    "月": "months", "个月": "months", "個月": "months",
    "年": "years",
}
#: What half a unit is (半小时前, 半年前), in the next smaller unit.
HALF_UNITS = {
    "years": ("months", 6),
    "months": ("days", 15),
    "days": ("hours", 12),
    "hours": ("minutes", 30),
    "minutes": ("seconds", 30),
}
#: Units whose "ago" is a time of day rather than a day.
CLOCK_UNITS = ("seconds", "minutes", "hours")
#: Units whose "ago" names no day: 3周前 is a calendar week to some readers, 2年前 a whole year.
VAGUE_UNITS = ("weeks", "months", "years")

#: How many years back a date shown without its year may lie from the fetch (2月29日: the last leap year).
YEARS_BACK = 8
#: Words between the two ends of a range (6月1日至6月30日, 9:30~11:30).
RANGE_WORDS = ("到", "至", "~", "～", "〜")
#: Dashes between the two ends of a range, with nothing around them (6月1日-6月30日, 15:20-2020.01.12);
#: ``2019-09-05 - 3条评论`` is no range.
RANGE_DASHES = ("—", "–", "－", "-")
#: Words after a date that make it the start of an open range (5月8日起).
RANGE_START_WORDS = ("起", "止")
#: Words before a date that make it one end of a range (从2020-05-26, 自..., ...到十月一日).
RANGE_OPENERS = ("从", "從", "自", "到", "至", "~", "～", "〜")
#: Words that mark a lunar-calendar date, which is never read as a Gregorian one.
LUNAR_WORDS = ("农历", "農曆", "農历", "阴历", "陰曆", "阴曆")

#: Chinese numeral digits. ○ (a circle) stands in for 〇 on many pages; 两 is 2 in counts (两小时前).
CHINESE_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "兩": 2,
    "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}


@dataclass(frozen=True)
class NormalizedDate:
    """A date found in page text: ISO 8601 in Asia/Shanghai plus the text it came from."""

    iso: str  # "2026-02-02", or "2026-02-02T10:30:00+08:00" when a time is known
    raw: str  # the input string as given
    has_time: bool
    method: str  # "pattern", "relative", "iso" or "dateparser"


def _alternation(words) -> str:
    # Longest first, so that 大前天 is not read as 前天 and 个小时 not as 小时.
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# ``\d`` matches full-width digits too (２０２６), and int() reads them.
_CN_DIGIT = "[" + "".join(CHINESE_DIGITS) + "]"
# 2026, 二〇二六, 两千零四.
_YEAR = rf"(?:\d{{4}}|{_CN_DIGIT}{{4}}|[两二]千(?:零?[一二三四五六七八九十]{{1,3}})?)"
# A month, day, hour, minute or count: digits, 十-numbers (十, 十五, 三十一) or 1–2 numeral digits.
_SMALL = rf"(?:\d{{1,2}}|[一二三四五]?十[一二三四五六七八九]?|{_CN_DIGIT}{{1,2}})"
_SEP = "[-/.－／．]"
_WEEKDAY = rf"(?:\s*[(（]?(?:{_alternation(WEEKDAY_PREFIXES)})[{WEEKDAY_DAYS}][)）]?)?"
_TIME = (
    rf"(?:\s*(?:(?P<meridiem>{_alternation(MERIDIEM_WORDS)})\s*)?(?P<hour>{_SMALL})"
    r"(?:[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2}))?"  # 14:20, 14:20:05
    rf"|[时時点點](?:(?P<half>半)|(?P<quarters>[一二三123])刻"  # 3点半, 20时1刻
    rf"|(?P<cn_minute>{_SMALL})分?(?:(?P<cn_second>{_SMALL})秒)?)?)"  # 10时30分, 10点
    r"(?!\d))?"
)

_ISO = re.compile(
    r"(?<![0-9])(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T"
    r"(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)(?P<offset>Z|[+-][0-9]{2}:?[0-9]{2})?(?![0-9])"
)
# 日 may be left out after a year (2016年6月29, 两千零四年八月十五), but then the text must end,
# or a space, punctuation or a clock time (2016年6月2911:30) follow: 2024年3月10万元 is money.
# A comma may follow the year (二零一六年，九月三号); a two-digit year (15年3月2日) is this century's.
_YMD_CJK = re.compile(
    rf"(?<!\d)(?P<year>{_YEAR}|\d{{2}})\s*年[\s,，]*(?P<month>{_SMALL})\s*月\s*(?P<day>{_SMALL})"
    rf"\s*(?:[日号號]|(?=\d{{1,2}}[:：]|[^\w]|$)){_WEEKDAY}{_TIME}"
)
# The guards keep phone numbers and four-part version strings (2024.10.1.5) out.
_YMD_NUMERIC = re.compile(
    rf"(?<!\d)(?<!\d{_SEP})(?P<year>\d{{4}})(?P<sep>{_SEP})(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"
    rf"(?:(?!\d|{_SEP}\d)|(?=\d{{2}}[:：]\d{{2}})){_WEEKDAY}{_TIME}"  # 2018-12-1209:03 runs the time on
)
# 20240307: eight digits that spell a valid month and day, nothing else around them.
_YMD_COMPACT = re.compile(
    r"(?<![\d\w.\-/])(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])(?![\d\w])"
    rf"{_TIME}"
)
# 13.5.2015, 1/2/2020: the year last; read only when one number cannot be a month.
_DMY_NUMERIC = re.compile(
    rf"(?<![\d.])(?P<first>\d{{1,2}})(?P<sep>[-/.])(?P<second>\d{{1,2}})(?P=sep)(?P<year>\d{{4}})(?!\d|{_SEP}\d)"
)
# Not before a year (二月 14日 2010): that is left to dateparser rather than read as this year.
_MONTH_DAY_CJK = re.compile(
    rf"(?<![\d年])(?P<month>{_SMALL})\s*月\s*(?P<day>{_SMALL})\s*[日号號](?![,，]?\s*\d{{4}}){_WEEKDAY}{_TIME}"
)
_RELATIVE_MONTH_DAY = re.compile(
    rf"(?:(?P<year_word>{_alternation(YEAR_WORDS)})\s*(?:(?P<month>{_SMALL})\s*月|本月)"
    rf"|(?P<month_word>{_alternation(MONTH_WORDS)}))\s*(?P<day>{_SMALL})\s*[日号號]{_WEEKDAY}{_TIME}"
)
# Two digits each side, and no separator or clock time around: not a range (14:20-15:30)
# nor a piece of 2025-12-03 or 400-622-0089.
_MONTH_DAY_NUMERIC = re.compile(
    rf"(?<!\d)(?<!\d[:：])(?<!{_SEP})(?P<month>\d{{2}})[-－](?P<day>\d{{2}})(?![\d:：]|{_SEP}){_WEEKDAY}{_TIME}"
)
# One or more "count unit" parts, then 前 or 之前: 3天前, 半小时之前, 1天，1小时前.
_AGO_PART = rf"(?:\d{{1,3}}|{_SMALL}|半)\s*(?:{_alternation(AGO_UNITS)})"
# Not after 个/個: 两个半小时前 is two and a half hours, not half an hour.
_AGO = re.compile(rf"(?<![\d.个個])(?P<parts>{_AGO_PART}(?:[\s,，、]*{_AGO_PART})*)\s*(?P<before>之?)前")
_AGO_PARTS = re.compile(rf"(?P<count>\d{{1,3}}|{_SMALL}|半)\s*(?P<unit>{_alternation(AGO_UNITS)})")
# 今日, 昨日 and 前日 also begin and end other words (今日头条, 前日本首相, 目前日本, 提前日期), so
# they count only as a stamp: alone, or before punctuation, a space, a clock time or 上午/晚上.
_DAY_WORD = re.compile(
    rf"(?<![提之以日目])(?P<word>{_alternation(DAY_WORDS)})"
    rf"(?:(?<!日)|(?=[^\w]|\d|$|{_alternation(MERIDIEM_WORDS)})){_TIME}"
)
_JUST_NOW = re.compile(_alternation(JUST_NOW_WORDS))

# Gate for dateparser, as htmldate's try_date_expr: without a four-digit year
# it finds nothing trustworthy and costs a millisecond per call.
_YEAR_DIGITS = re.compile(r"\d{4}")

# One parser for the process: building one loads the locale data (~80 ms).
# REQUIRE_PARTS means every date it returns spells out day, month and year, so
# nothing is resolved against "now" and no RELATIVE_BASE is needed; relative
# words, Unix timestamps and digit runs (PARSERS) are turned off for the same reason.
# languages=["zh"], not zh-Hans: only zh carries the 年月日 rules (dateparser#875).
_DATEPARSER = DateDataParser(
    languages=["zh", "en"],
    settings={
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PARSERS": ["absolute-time"],
        "TIMEZONE": "Asia/Shanghai",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RETURN_TIME_AS_PERIOD": True,
    },
)


def _to_int(numeral: str) -> int:
    """The value of digits (ASCII or full-width) or of a Chinese numeral (二〇二六, 十五, 三十一, 两千零四)."""
    if numeral.isdecimal():
        return int(numeral)
    thousands, thousand, rest = numeral.partition("千")
    if thousand:  # 两千零四 is 2004, 两千年 is 2000
        rest = rest.lstrip("零")
        return 1000 * CHINESE_DIGITS[thousands] + (_to_int(rest) if rest else 0)
    tens, ten, units = numeral.partition("十")
    if not ten:  # digit by digit: 二〇二六 is 2026
        return int("".join(str(CHINESE_DIGITS[char]) for char in numeral))
    return (CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[units] if units else 0)


def _clock(match: re.Match) -> time | None:
    """The time of day in a match of ``_TIME``, or None when no time follows the date."""
    if match["hour"] is None:
        return None
    hour = _to_int(match["hour"])
    if hour < 12:
        hour += MERIDIEM_WORDS.get(match["meridiem"], 0)
    minute = match["minute"] or match["cn_minute"]
    second = match["second"] or match["cn_second"]
    minutes = _to_int(minute) if minute else 0
    if match["half"]:
        minutes = 30
    elif match["quarters"]:
        minutes = 15 * _to_int(match["quarters"])
    return time(hour, minutes, _to_int(second) if second else 0)


def _with_clock(day: date, match: re.Match) -> date | datetime:
    """``day`` at the matched time in Shanghai, or ``day`` itself when no time was given."""
    clock = _clock(match)
    return day if clock is None else datetime.combine(day, clock, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class _Reference:
    """What a date is read against: the fetch time (None when unknown) and the years a
    date shown without one may take, best first."""

    now: datetime | None
    years: tuple[int, ...] = ()


def _from_iso(match: re.Match, ref: _Reference) -> datetime:
    """A machine timestamp (meta tags, JSON-LD); one without an offset is Shanghai time."""
    offset = "+00:00" if match["offset"] == "Z" else match["offset"] or ""
    moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def _from_year_month_day(match: re.Match, ref: _Reference) -> date | datetime | None:
    """2026年2月2日, 2025-12-03 14:20, 2025/11/25, 二〇二六年二月二日 下午3:05, 15年3月2日."""
    year = _to_int(match["year"])
    if year < 100:  # 15年: this century, unless that lies after the fetch
        if ref.now is None:
            return None
        year += 2000 if 2000 + year <= ref.now.year else 1900
    day = date(year, _to_int(match["month"]), _to_int(match["day"]))
    return _with_clock(day, match)


def _from_day_month_year(match: re.Match, ref: _Reference) -> date | None:
    """13.5.2015 (day first), 5/13/2015 (month first), 3/3/2015; None when either could be the month."""
    first, second = int(match["first"]), int(match["second"])
    if first > 12 >= second or first == second:
        return date(int(match["year"]), second, first)
    if second > 12 >= first:
        return date(int(match["year"]), first, second)
    return None  # 1/2/2020: a guess either way


def _from_month_day(match: re.Match, ref: _Reference) -> date | datetime | None:
    """4月20日 18:10, 02-14: in the first of ``ref.years`` where that day exists and is not
    after the fetch (2月29日 skips common years); None without years."""
    month, day = _to_int(match["month"]), _to_int(match["day"])
    for year in ref.years:
        try:
            value = _with_clock(date(year, month, day), match)
        except ValueError:  # 29 February outside a leap year
            continue
        if ref.now is None or not _after_horizon(value, ref.now):
            return value
    return None


def _from_relative_month_day(match: re.Match, ref: _Reference) -> date | datetime | None:
    """上个月15号, 本月9日, 去年本月十日, 前年9月2号: a month named relative to the fetch month."""
    now = ref.now
    if now is None:
        return None
    if match["month_word"]:
        months_back = MONTH_WORDS[match["month_word"]]
        year, month = now.year, now.month
    else:
        months_back = 0
        year = now.year - YEAR_WORDS[match["year_word"]]
        month = _to_int(match["month"]) if match["month"] else now.month
    year, month = _months_before(year, month, months_back)
    return _with_clock(date(year, month, _to_int(match["day"])), match)


def _months_before(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - months
    return index // 12, index % 12 + 1


def _from_ago(match: re.Match, ref: _Reference) -> date | datetime | None:
    """3天前, 5小时前, 半小时前, 2 天 3小时前: a time for units below a day, else the day.
    None for weeks, months and years (their day is a guess) and for 之前, which also
    reads as "earlier than" (两天之前: any time before two days ago)."""
    if ref.now is None or match["before"]:
        return None
    moment, timed = ref.now, False
    for part in _AGO_PARTS.finditer(match["parts"]):
        unit = AGO_UNITS[part["unit"]]
        if part["count"] == "半":
            unit, count = HALF_UNITS.get(unit, (unit, 0))
        else:
            count = _to_int(part["count"])
        if unit in VAGUE_UNITS:
            return None
        moment -= timedelta(**{unit: count})
        timed = timed or unit in CLOCK_UNITS
    return moment if timed else moment.date()


def _from_day_word(match: re.Match, ref: _Reference) -> date | datetime | None:
    """昨天 14:30, 前天, 今天 08:00, 今日, 昨晚8时35分."""
    if ref.now is None:
        return None
    value = _with_clock(ref.now.date() - timedelta(days=DAY_WORDS[match["word"]]), match)
    if match["word"] in EVENING_DAY_WORDS and isinstance(value, datetime) and value.hour < 12:
        value += timedelta(hours=12)
    return value


def _from_just_now(match: re.Match, ref: _Reference) -> datetime | None:
    """刚刚: the fetch time."""
    return ref.now


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern
    convert: Callable[[re.Match, _Reference], date | datetime | None]
    method: str
    # Any match holds one of these characters (年 for 2026年2月2日). A one-class regex scans
    # for them far faster than the form's own regex, so most page lines skip it; forms whose
    # regex is as cheap as that scan (a literal alternation, digits) have none.
    hint: re.Pattern | None = None


def _any_of(chars: str) -> re.Pattern:
    return re.compile(f"[{re.escape(chars)}]")


# Order only breaks ties between matches that start and end at the same place.
_FORMS = (
    _Form(_ISO, _from_iso, "iso", _any_of("T")),
    _Form(_YMD_CJK, _from_year_month_day, "pattern", _any_of("年")),
    _Form(_YMD_NUMERIC, _from_year_month_day, "pattern", _any_of("-/.－／．")),
    _Form(_YMD_COMPACT, _from_year_month_day, "pattern"),
    _Form(_DMY_NUMERIC, _from_day_month_year, "pattern", _any_of("-/.")),
    _Form(_RELATIVE_MONTH_DAY, _from_relative_month_day, "relative", _any_of("月")),
    _Form(_MONTH_DAY_CJK, _from_month_day, "year-less", _any_of("月")),
    _Form(_MONTH_DAY_NUMERIC, _from_month_day, "year-less", _any_of("-－")),
    _Form(_AGO, _from_ago, "relative", _any_of("前")),
    _Form(_DAY_WORD, _from_day_word, "relative", _any_of("".join(word[0] for word in DAY_WORDS))),
    _Form(_JUST_NOW, _from_just_now, "relative"),
)

#: The methods whose date depends on the fetch time or on a year the page gives elsewhere.
RELATIVE_METHODS = ("relative",)
YEAR_LESS_METHODS = ("year-less",)

# A few characters may come between (11:00时至, 前天中午到明天, 晚上9~11点, 5月8日零时起), not punctuation.
_RANGE_GAP = r"[^\s,，。;；:：|｜]{0,4}?"
_RANGE_AFTER = re.compile(
    rf"^(?:\s*{_RANGE_GAP}\s*(?:{_alternation(RANGE_WORDS)})\s*(?:\d|{_CN_DIGIT}|[十今明昨前后後上下本去]|$)"
    rf"|\s*{_RANGE_GAP}(?:{_alternation(RANGE_DASHES)})+(?:\d|{_CN_DIGIT})"
    rf"|{_RANGE_GAP}(?:{_alternation(RANGE_START_WORDS)}))"
)
_RANGE_BEFORE = re.compile(rf"(?:{_alternation(RANGE_OPENERS)})\s*$")
_LUNAR_BEFORE = re.compile(rf"(?:{_alternation(LUNAR_WORDS)})\s*$")
# dateparser reads 2018年2——4月 as one day; a text with a range word is not handed to it.
_RANGE_ANYWHERE = re.compile(r"[到至~～〜]|——|--")


def _first_match(text: str) -> tuple[_Form, re.Match] | None:
    """The form whose match starts first in ``text`` (the longest on a tie), or None."""
    best = None
    for form in _FORMS:
        if form.hint is not None and form.hint.search(text) is None:
            continue
        match = form.pattern.search(text)
        if match and (best is None or (match.start(), -match.end()) < (best[1].start(), -best[1].end())):
            best = (form, match)
    return best


def _is_not_one_day(text: str, match: re.Match) -> bool:
    """Whether the date ``match`` found is one end of a range or a lunar date."""
    before, after = text[: match.start()], text[match.end() :]
    return bool(_RANGE_AFTER.match(after) or _RANGE_BEFORE.search(before) or _LUNAR_BEFORE.search(before))


def _first_date(text: str) -> tuple[_Form, re.Match] | None:
    """:func:`_first_match`, or None when that match is not one day (a range, a lunar date)."""
    found = _first_match(text)
    if found is None or _is_not_one_day(text, found[1]):
        return None
    return found


def _from_dateparser(text: str) -> date | datetime | None:
    """dateparser's reading of ``text``, when it has a four-digit year and a full date."""
    if len(text) > DATEPARSER_MAX_LENGTH or not _YEAR_DIGITS.search(text) or _RANGE_ANYWHERE.search(text):
        return None
    data = _DATEPARSER.get_date_data(text)
    if data.date_obj is None:
        return None
    moment = data.date_obj.astimezone(SHANGHAI)
    return moment if data.period == "time" else moment.date()


def _local_now(now: datetime | None) -> datetime | None:
    """The fetch time in Shanghai; naive means UTC; None stays None."""
    if now is None:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(SHANGHAI)


def _after_horizon(value: date | datetime, now: datetime) -> bool:
    horizon = now + FUTURE_TOLERANCE
    if isinstance(value, datetime):
        return value > horizon
    return value > horizon.date()


def _is_plausible(value: date | datetime, now: datetime | None) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return day >= EARLIEST_DATE and (now is None or not _after_horizon(value, now))


def years_before(now: datetime | None) -> tuple[int, ...]:
    """The years a date shown without one may take when only the fetch time tells: the fetch
    year and the ``YEARS_BACK`` - 1 before it, latest first (the latest such day not after it)."""
    now = _local_now(now)
    return () if now is None else tuple(range(now.year, now.year - YEARS_BACK, -1))


def normalize_date(raw: str | None, now: datetime | None = None, years=()) -> NormalizedDate | None:
    """The date in ``raw`` as ISO 8601 in Asia/Shanghai.

    None when the text holds no date we can trust (unparseable, a range, lunar, or outside
    [``EARLIEST_DATE``, now + ``FUTURE_TOLERANCE``]).

    :param raw: text holding a date, such as ``发布时间：2025-12-03 14:20`` or ``3天前``
    :param now: the time the page was fetched, which relative dates (``昨天``, ``3小时前``)
        are read against; naive means UTC. Without it they give None: the clock is never read.
    :param years: the years a date shown without one (``10-08``, ``4月20日``) may take, best
        first; the first where that day exists and is not after ``now`` is taken. Without
        them such a date gives None.
    """
    if not raw or raw.isspace():
        return None
    ref = _Reference(_local_now(now), tuple(years))
    found = _first_match(raw)
    if found is None:
        value, method = _from_dateparser(raw), "dateparser"
    elif _is_not_one_day(raw, found[1]):
        return None
    else:
        # A recognised but impossible date is rejected, not handed on to dateparser.
        form, match = found
        method = form.method
        try:
            value = form.convert(match, ref)
        except ValueError:  # 2026年2月30日, 25:00, year 0000
            return None
    if value is None or not _is_plausible(value, ref.now):
        return None
    has_time = isinstance(value, datetime)
    iso = value.isoformat(timespec="seconds") if has_time else value.isoformat()
    return NormalizedDate(iso=iso, raw=raw, has_time=has_time, method=method)


def find_date_text(text: str) -> str | None:
    """The first substring of ``text`` that looks like a date, with its time if one follows.

    Only the fast-path forms count, and the date is not checked: pass the result
    to :func:`normalize_date`. For lines such as ``« 上一篇 2026年2月2日`` or
    ``发布时间：2025-12-03 14:20  来源：新华网``. None when the first date is one end of a
    range or a lunar date: the text dates something else than a page.
    """
    found = _first_date(text)
    return found[1].group() if found else None


_URL_YEAR_RES = (
    re.compile(r"/((?:19|20)\d\d)/(?:0?[1-9]|1[0-2])(?:/|$)"),  # /2019/10/08/, /2019/10/
    re.compile(r"(?<![\d])((?:19|20)\d\d)(?:0[1-9]|1[0-2])(?:[0-3]\d)?(?![\d])"),  # /20191008/, /201910/, t20191008_
)


def year_in_url(url: str | None) -> int | None:
    """The year a URL's path gives (``/2019/10/08/``, ``/20191008/``, ``/201910/``), or None."""
    if not url:
        return None
    path = url.split("://", 1)[-1].partition("/")[2]
    for pattern in _URL_YEAR_RES:
        match = pattern.search("/" + path)
        if match:
            return int(match.group(1))
    return None
