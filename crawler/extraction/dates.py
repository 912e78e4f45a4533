"""Normalise the dates that Chinese news pages print into ISO 8601, Asia/Shanghai.

Cheap compiled regexes come first and cover every form the portals use
(年月日, dashes/slashes/dots, full-width digits, Chinese numerals, 上午/下午,
weekdays, month-day without a year, 3天前/昨天/刚刚, ISO timestamps). dateparser is
the last resort, for text none of them recognises. Every result is bounded to
[``EARLIEST_DATE``, now + ``FUTURE_TOLERANCE``].

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
#: How far past the crawl time a date may lie (site clocks and time zones drift).
FUTURE_TOLERANCE = timedelta(days=1)
#: Longest text handed to dateparser; real date strings are far shorter.
DATEPARSER_MAX_LENGTH = 80

#: Words that open a weekday (星期一, 周一, 礼拜一); the day follows as one character.
WEEKDAY_PREFIXES = ("星期", "周", "週", "礼拜", "禮拜")
WEEKDAY_DAYS = "一二三四五六日天"

#: Words before a clock time, and the hours they add to a 12-hour clock.
MERIDIEM_WORDS = {"上午": 0, "早上": 0, "凌晨": 0, "下午": 12, "晚上": 12, "傍晚": 12}

#: Words for "a moment ago"; they resolve to the crawl time itself.
JUST_NOW_WORDS = ("刚刚", "剛剛")

#: Words naming a day relative to the crawl day, and how many days back it is.
DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2, "大前天": 3}

#: Units of "N<unit>前" and their length. Units shorter than a day give a time.
AGO_UNITS = {
    "秒": timedelta(seconds=1),
    "秒钟": timedelta(seconds=1),
    "秒鐘": timedelta(seconds=1),
    "分钟": timedelta(minutes=1),
    "分鐘": timedelta(minutes=1),
    "小时": timedelta(hours=1),
    "小時": timedelta(hours=1),
    "个小时": timedelta(hours=1),
    "個小時": timedelta(hours=1),
    "天": timedelta(days=1),
    "日": timedelta(days=1),
    "周": timedelta(weeks=1),
    "週": timedelta(weeks=1),
    "星期": timedelta(weeks=1),
    "个星期": timedelta(weeks=1),
    "個星期": timedelta(weeks=1),
}

#: Chinese numeral digits. ○ (a circle) stands in for 〇 on many pages.
CHINESE_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


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
_YEAR = rf"(?:\d{{4}}|{_CN_DIGIT}{{4}})"
# A month, day, hour, minute or count: digits, 十-numbers (十, 十五, 三十一) or 1–2 numeral digits.
_SMALL = rf"(?:\d{{1,2}}|[一二三四五]?十[一二三四五六七八九]?|{_CN_DIGIT}{{1,2}})"
_SEP = "[-/.－／．]"
_WEEKDAY = rf"(?:\s*[(（]?(?:{_alternation(WEEKDAY_PREFIXES)})[{WEEKDAY_DAYS}][)）]?)?"
_TIME = (
    rf"(?:\s*(?:(?P<meridiem>{_alternation(MERIDIEM_WORDS)})\s*)?(?P<hour>{_SMALL})"
    r"(?:[:：](?P<minute>\d{2})(?:[:：](?P<second>\d{2}))?"  # 14:20, 14:20:05
    rf"|[时時点點](?:(?P<cn_minute>{_SMALL})分?(?:(?P<cn_second>{_SMALL})秒)?)?)"  # 10时30分, 10点
    r"(?!\d))?"
)

_ISO = re.compile(
    r"(?<![0-9])(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T"
    r"(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)(?P<offset>Z|[+-][0-9]{2}:?[0-9]{2})?(?![0-9])"
)
_YMD_CJK = re.compile(
    rf"(?<!\d)(?P<year>{_YEAR})\s*年\s*(?P<month>{_SMALL})\s*月\s*(?P<day>{_SMALL})\s*[日号號]{_WEEKDAY}{_TIME}"
)
# The guards keep phone numbers and four-part version strings (2024.10.1.5) out.
_YMD_NUMERIC = re.compile(
    rf"(?<!\d)(?<!\d{_SEP})(?P<year>\d{{4}})(?P<sep>{_SEP})(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"
    rf"(?!\d|{_SEP}\d){_WEEKDAY}{_TIME}"
)
_MONTH_DAY_CJK = re.compile(
    rf"(?<![\d年])(?P<month>{_SMALL})\s*月\s*(?P<day>{_SMALL})\s*[日号號]{_WEEKDAY}{_TIME}"
)
# Two digits each side, and no separator or colon around: not a range (14:20-15:30)
# nor a piece of 2025-12-03 or 400-622-0089.
_MONTH_DAY_NUMERIC = re.compile(
    rf"(?<![\d:：])(?<!{_SEP})(?P<month>\d{{2}})[-－](?P<day>\d{{2}})(?![\d:：]|{_SEP}){_WEEKDAY}{_TIME}"
)
_AGO = re.compile(rf"(?<!\d)(?P<count>\d{{1,3}}|{_SMALL})\s*(?P<unit>{_alternation(AGO_UNITS)})\s*前")
_DAY_WORD = re.compile(rf"(?P<word>{_alternation(DAY_WORDS)}){_TIME}")
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
    """The value of digits (ASCII or full-width) or of a Chinese numeral (二〇二六, 十五, 三十一)."""
    if numeral.isdecimal():
        return int(numeral)
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
    return time(hour, _to_int(minute) if minute else 0, _to_int(second) if second else 0)


def _with_clock(day: date, match: re.Match) -> date | datetime:
    """``day`` at the matched time in Shanghai, or ``day`` itself when no time was given."""
    clock = _clock(match)
    return day if clock is None else datetime.combine(day, clock, tzinfo=SHANGHAI)


def _from_iso(match: re.Match, now: datetime) -> datetime:
    """A machine timestamp (meta tags, JSON-LD); one without an offset is Shanghai time."""
    offset = "+00:00" if match["offset"] == "Z" else match["offset"] or ""
    moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def _from_year_month_day(match: re.Match, now: datetime) -> date | datetime:
    """2026年2月2日, 2025-12-03 14:20, 2025/11/25, 二〇二六年二月二日 下午3:05."""
    day = date(_to_int(match["year"]), _to_int(match["month"]), _to_int(match["day"]))
    return _with_clock(day, match)


def _from_month_day(match: re.Match, now: datetime) -> date | datetime:
    """4月20日 18:10, 02-14: this year, or last year when this year's would lie in the future."""
    month, day = _to_int(match["month"]), _to_int(match["day"])
    value = _with_clock(date(now.year, month, day), match)
    if _after_horizon(value, now):
        value = _with_clock(date(now.year - 1, month, day), match)
    return value


def _from_ago(match: re.Match, now: datetime) -> date | datetime:
    """3天前, 5小时前, 10分钟前: a time for units below a day, else just the day."""
    unit = AGO_UNITS[match["unit"]]
    moment = now - unit * _to_int(match["count"])
    return moment if unit < timedelta(days=1) else moment.date()


def _from_day_word(match: re.Match, now: datetime) -> date | datetime:
    """昨天 14:30, 前天, 今天 08:00."""
    return _with_clock(now.date() - timedelta(days=DAY_WORDS[match["word"]]), match)


def _from_just_now(match: re.Match, now: datetime) -> datetime:
    """刚刚: the crawl time."""
    return now


@dataclass(frozen=True)
class _Form:
    pattern: re.Pattern
    convert: Callable[[re.Match, datetime], date | datetime]
    method: str


# Order only breaks ties between matches that start and end at the same place.
_FORMS = (
    _Form(_ISO, _from_iso, "iso"),
    _Form(_YMD_CJK, _from_year_month_day, "pattern"),
    _Form(_YMD_NUMERIC, _from_year_month_day, "pattern"),
    _Form(_MONTH_DAY_CJK, _from_month_day, "pattern"),
    _Form(_MONTH_DAY_NUMERIC, _from_month_day, "pattern"),
    _Form(_AGO, _from_ago, "relative"),
    _Form(_DAY_WORD, _from_day_word, "relative"),
    _Form(_JUST_NOW, _from_just_now, "relative"),
)


def _first_match(text: str) -> tuple[_Form, re.Match] | None:
    """The form whose match starts first in ``text`` (the longest on a tie), or None."""
    best = None
    for form in _FORMS:
        match = form.pattern.search(text)
        if match and (best is None or (match.start(), -match.end()) < (best[1].start(), -best[1].end())):
            best = (form, match)
    return best


def _from_dateparser(text: str) -> date | datetime | None:
    """dateparser's reading of ``text``, when it has a four-digit year and a full date."""
    if len(text) > DATEPARSER_MAX_LENGTH or not _YEAR_DIGITS.search(text):
        return None
    data = _DATEPARSER.get_date_data(text)
    if data.date_obj is None:
        return None
    moment = data.date_obj.astimezone(SHANGHAI)
    return moment if data.period == "time" else moment.date()


def _local_now(now: datetime | None) -> datetime:
    """The crawl time in Shanghai; naive means UTC."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(SHANGHAI)


def _after_horizon(value: date | datetime, now: datetime) -> bool:
    horizon = now + FUTURE_TOLERANCE
    if isinstance(value, datetime):
        return value > horizon
    return value > horizon.date()


def _is_plausible(value: date | datetime, now: datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return day >= EARLIEST_DATE and not _after_horizon(value, now)


def normalize_date(raw: str | None, now: datetime | None = None) -> NormalizedDate | None:
    """The date in ``raw`` as ISO 8601 in Asia/Shanghai.

    None when the text holds no date we can trust (unparseable, or outside
    [``EARLIEST_DATE``, now + ``FUTURE_TOLERANCE``]).

    :param raw: text holding a date, such as ``发布时间：2025-12-03 14:20`` or ``3天前``
    :param now: the crawl time that relative and year-less dates are resolved
        against; naive means UTC; defaults to the current time
    """
    if not raw or raw.isspace():
        return None
    now = _local_now(now)
    found = _first_match(raw)
    if found is None:
        value, method = _from_dateparser(raw), "dateparser"
    else:
        # A recognised but impossible date is rejected, not handed on to dateparser.
        form, match = found
        method = form.method
        try:
            value = form.convert(match, now)
        except ValueError:  # 2026年2月30日, 25:00, year 0000
            return None
    if value is None or not _is_plausible(value, now):
        return None
    has_time = isinstance(value, datetime)
    iso = value.isoformat(timespec="seconds") if has_time else value.isoformat()
    return NormalizedDate(iso=iso, raw=raw, has_time=has_time, method=method)


def find_date_text(text: str) -> str | None:
    """The first substring of ``text`` that looks like a date, with its time if one follows.

    Only the fast-path forms count, and the date is not checked: pass the result
    to :func:`normalize_date`. For lines such as ``« 上一篇 2026年2月2日`` or
    ``发布时间：2025-12-03 14:20  来源：新华网``.
    """
    found = _first_match(text)
    return found[1].group() if found else None
