from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction.dates import NormalizedDate, find_date_text, normalize_date, year_in_url, years_before

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)


def case(raw, iso, method="pattern", *, id):
    return pytest.param(raw, iso, "T" in iso, method, id=id)


ACCEPTED = [
    # 年月日 and weekdays
    case("2026年2月2日", "2026-02-02", id="ymd-cjk"),
    case("2026年1月5日 星期一", "2026-01-05", id="weekday-xingqi"),
    case("2026年1月5日 周一", "2026-01-05", id="weekday-zhou"),
    case("2026年1月5日 礼拜一", "2026-01-05", id="weekday-libai"),
    case("2026年1月5日（星期一）", "2026-01-05", id="weekday-in-brackets"),
    case("2019 年 10 月 30 日", "2019-10-30", id="ymd-cjk-spaced"),
    # numeric separators
    case("2025-12-03 14:20", "2025-12-03T14:20:00+08:00", id="dash-minutes"),
    case("2025-12-03 14:20:05", "2025-12-03T14:20:05+08:00", id="dash-seconds"),
    case("2025/11/25", "2025-11-25", id="slash"),
    case("2025.11.20", "2025-11-20", id="dot"),
    case("2025-9-5", "2025-09-05", id="dash-unpadded"),
    # label prefixes, ASCII and full-width colons
    case("时间：2025-12-03 14:20", "2025-12-03T14:20:00+08:00", id="prefix-shijian"),
    case("发布时间：2025-12-03", "2025-12-03", id="prefix-fabu-shijian"),
    case("发布时间: 2025-12-03", "2025-12-03", id="prefix-ascii-colon-space"),
    case("发布日期:2025-12-03", "2025-12-03", id="prefix-fabu-riqi"),
    case("發布時間：2025-12-03", "2025-12-03", id="prefix-traditional"),
    case("日期： 2025年12月3日", "2025-12-03", id="prefix-riqi-fullwidth-space"),
    # machine timestamps
    case("2026-02-02T10:30:00+08:00", "2026-02-02T10:30:00+08:00", "iso", id="iso-offset"),
    case("2026-02-02T02:30:00Z", "2026-02-02T10:30:00+08:00", "iso", id="iso-z"),
    case("2026-02-01T21:30:00.250-05:00", "2026-02-02T10:30:00+08:00", "iso", id="iso-negative-offset-fraction"),
    case("2026-02-02T10:30", "2026-02-02T10:30:00+08:00", "iso", id="iso-no-offset-is-shanghai"),
    # times after 年月日
    case("2026年2月2日 10:30", "2026-02-02T10:30:00+08:00", id="cjk-clock"),
    case("2026年2月2日10时30分", "2026-02-02T10:30:00+08:00", id="cjk-shi-fen"),
    case("2026年2月2日 10点", "2026-02-02T10:00:00+08:00", id="cjk-dian-hour-only"),
    case("2026年2月2日 下午3:05", "2026-02-02T15:05:00+08:00", id="xiawu"),
    case("2026年2月2日 上午9:05", "2026-02-02T09:05:00+08:00", id="shangwu"),
    case("2026年1月5日 星期一 下午3:05", "2026-01-05T15:05:00+08:00", id="weekday-then-time"),
    # full-width digits and Chinese numerals
    case("２０２６年２月２日", "2026-02-02", id="fullwidth-cjk"),
    case("２０２５－１２－０３", "2025-12-03", id="fullwidth-dash"),
    case("二〇二六年二月二日", "2026-02-02", id="numerals-ling-circle"),
    case("二零二五年十二月三十一日", "2025-12-31", id="numerals-ling-shi"),
    case("二〇二五年十月十五日 下午三点二十分", "2025-10-15T15:20:00+08:00", id="numerals-with-time"),
    # relative to NOW
    case("3天前", "2026-02-26", "relative", id="days-ago"),
    case("5小时前", "2026-03-01T07:00:00+08:00", "relative", id="hours-ago"),
    case("10分钟前", "2026-03-01T11:50:00+08:00", "relative", id="minutes-ago"),
    case("一小时前", "2026-03-01T11:00:00+08:00", "relative", id="numeral-hours-ago"),
    case("刚刚", "2026-03-01T12:00:00+08:00", "relative", id="just-now"),
    case("昨天 14:30", "2026-02-28T14:30:00+08:00", "relative", id="yesterday-time"),
    case("前天", "2026-02-27", "relative", id="day-before-yesterday"),
    case("今天 08:00", "2026-03-01T08:00:00+08:00", "relative", id="today-time"),
    # forms the peers' test suites use (tests/cases/dates.jsonl)
    case("今日", "2026-03-01", "relative", id="jinri"),
    case("昨日", "2026-02-28", "relative", id="zuori"),
    case("前日", "2026-02-27", "relative", id="qianri"),
    case("今晨5点", "2026-03-01T05:00:00+08:00", "relative", id="jinchen"),
    case("发布时间：今日 10:00", "2026-03-01T10:00:00+08:00", "relative", id="jinri-with-time"),
    case("昨日下午3点", "2026-02-28T15:00:00+08:00", "relative", id="zuori-xiawu"),
    case("昨晚8时35分", "2026-02-28T20:35:00+08:00", "relative", id="zuowan-is-pm"),
    case("半小时前", "2026-03-01T11:30:00+08:00", "relative", id="half-hour-ago"),
    case("两小时前", "2026-03-01T10:00:00+08:00", "relative", id="liang-hours-ago"),
    case("兩個鐘頭前", "2026-03-01T10:00:00+08:00", "relative", id="zhongtou-ago"),
    case("1天，1小时，1分钟前", "2026-02-28T10:59:00+08:00", "relative", id="multi-unit-ago"),
    case("本日", "2026-03-01", "relative", id="benri"),
    case("上个月15号", "2026-02-15", "relative", id="last-month-day"),
    case("本月1日", "2026-03-01", "relative", id="this-month-day"),
    case("去年本月十日", "2025-03-10", "relative", id="last-year-this-month"),
    case("去年12月5日", "2025-12-05", "relative", id="last-year-month-day"),
    case("2026年2月2日 三点半", "2026-02-02T03:30:00+08:00", id="ban-half-past"),
    case("2026年2月2日20时1刻", "2026-02-02T20:15:00+08:00", id="ke-quarter-hour"),
    case("二零一六年，九月三号", "2016-09-03", id="comma-after-year"),
    case("两千零四年八月十五", "2004-08-15", id="liangqian-no-ri"),
    case("15年3月2日", "2015-03-02", id="two-digit-year"),
    case("20240307", "2024-03-07", id="compact"),
    case("2018-12-1209:03", "2018-12-12T09:03:00+08:00", id="time-run-on"),
    case("13.5.2015", "2015-05-13", id="day-first-when-unambiguous"),
    case("3/3/2015", "2015-03-03", id="same-day-and-month-is-unambiguous"),
    # what the fast path does not know
    case("Dec 3, 2025", "2025-12-03", "dateparser", id="dateparser-english"),
    case("3 December 2025 14:20", "2025-12-03T14:20:00+08:00", "dateparser", id="dateparser-english-time"),
]


@pytest.mark.parametrize(("raw", "iso", "has_time", "method"), ACCEPTED)
def test_normalize_date(raw, iso, has_time, method):
    assert normalize_date(raw, now=NOW) == NormalizedDate(iso=iso, raw=raw, has_time=has_time, method=method)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(None, id="none"),
        pytest.param("abc", id="letters"),
        pytest.param("1.0×10^6/kg", id="scientific-notation"),
        pytest.param("v2.10.1", id="version"),
        pytest.param("10.0.19041.1", id="windows-build"),
        pytest.param("2024.10.1.5", id="four-part-version"),
        pytest.param("400-622-0089", id="phone"),
        pytest.param("14:20-15:30", id="time-range"),
        pytest.param("2026年2月30日", id="february-30"),
        pytest.param("2025-12-03 25:10", id="hour-25"),
        pytest.param("1900年1月1日", id="year-1900"),
        pytest.param("1989-12-31", id="before-1990"),
        pytest.param("2026-03-03", id="after-now-plus-one-day"),
        pytest.param("2026-03-02T12:00:01+08:00", id="after-now-plus-one-day-by-a-second"),
        pytest.param("二〇二六年十月十五日", id="future-numerals"),
        pytest.param("2025年12月", id="no-day"),
        pytest.param("1/2/2020", id="day-month-order-unknown"),
        pytest.param("03/04/2025", id="day-month-order-unknown-padded"),
        pytest.param("提前日期", id="qianri-inside-a-word"),
        pytest.param("前日本首相访华", id="qianri-before-riben"),
        pytest.param("目前日本的研究", id="qianri-after-mu"),
        pytest.param("今日头条", id="jinri-in-a-name"),
        pytest.param("2024年3月10万元", id="no-ri-before-a-word-is-not-a-day"),
        # one end of a range, or an open range, is not the day a page was published
        pytest.param("2025年6月1日至6月30日", id="range-zhi"),
        pytest.param("2025年6月28日9:30~11:30", id="range-of-times"),
        pytest.param("自2025-05-26起", id="range-open-qi"),
        pytest.param("我从上周四到十月一日都不在", id="range-end-after-dao"),
        pytest.param("今天下午1点到3点", id="range-today"),
        pytest.param("2018年2——4月", id="range-to-dateparser"),
        # a lunar date is never read as a Gregorian one
        pytest.param("1991年农历8月23号", id="lunar-month-day"),
        pytest.param("农历2015年十月初一", id="lunar-year-first"),
        # an "ago" in weeks, months or years names no day; 之前 is also "earlier than"
        pytest.param("两个礼拜前", id="weeks-ago"),
        pytest.param("3个月前", id="months-ago"),
        pytest.param("2 年前", id="years-ago"),
        pytest.param("3小时之前", id="zhiqian"),
        pytest.param("两个半小时前", id="two-and-a-half-hours-is-not-half-an-hour"),
        # a month and day without a year, and no year given
        pytest.param("4月20日 18:10", id="month-day-without-years"),
        pytest.param("10-08", id="mm-dd-without-years"),
    ],
)
def test_normalize_date_rejects(raw):
    assert normalize_date(raw, now=NOW) is None


@pytest.mark.parametrize(
    ("raw", "years", "iso"),
    [
        pytest.param("10-08", (2019,), "2019-10-08", id="mm-dd-takes-the-given-year"),
        pytest.param("发布时间：10-08 14:20", (2019,), "2019-10-08T14:20:00+08:00", id="labelled-with-time"),
        pytest.param("4月20日", (2026, 2025), "2025-04-20", id="first-year-not-after-the-fetch"),
        pytest.param("03-02", (2026,), "2026-03-02", id="tomorrow-is-tolerated"),
        pytest.param("2月29日", range(2026, 2018, -1), "2024-02-29", id="february-29-skips-common-years"),
    ],
)
def test_year_less_date_takes_the_first_year_that_fits(raw, years, iso):
    assert normalize_date(raw, now=NOW, years=years).iso == iso


def test_year_less_date_after_the_fetch_in_its_only_year_gives_nothing():
    assert normalize_date("10-08", now=NOW, years=(2026,)) is None


def test_years_before_the_fetch_run_back_from_its_year():
    assert years_before(NOW) == tuple(range(2026, 2018, -1))
    assert years_before(None) == ()


@pytest.mark.parametrize("raw", ["刚刚", "昨天 14:30", "3小时前", "上个月15号", "15年3月2日"])
def test_without_the_fetch_time_relative_dates_give_nothing(raw):
    assert normalize_date(raw) is None


def test_without_the_fetch_time_full_dates_are_read():
    assert normalize_date("发布时间：2019-09-05 11:10").iso == "2019-09-05T11:10:00+08:00"


@pytest.mark.parametrize(
    ("url", "year"),
    [
        pytest.param("https://news.example.cn/2019/10/08/a.html", 2019, id="slashed"),
        pytest.param("https://news.example.cn/c/20191008/123.html", 2019, id="compact-day"),
        pytest.param("https://news.example.cn/201910/t123.html", 2019, id="compact-month"),
        pytest.param("http://www.example.cn/xwzx/202003/t20200311_99.html", 2020, id="trs"),
        pytest.param("https://news.39.net/shx/240423/e7opdxr.html", None, id="two-digit-year-is-not-read"),
        pytest.param("https://www.example.cn/article-3360-1.html", None, id="none"),
        pytest.param("https://2019.example.cn/a.html", None, id="host-is-not-the-path"),
    ],
)
def test_year_in_url(url, year):
    assert year_in_url(url) == year


def test_future_date_is_accepted_once_it_has_passed():
    later = datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert normalize_date("二〇二六年十月十五日", now=later).iso == "2026-10-15"


def test_naive_now_is_utc_and_relative_days_are_shanghai_days():
    # 2026-02-28 17:30 UTC is already 1 March in Shanghai.
    now = datetime(2026, 2, 28, 17, 30)
    assert normalize_date("昨天", now=now).iso == "2026-02-28"
    assert normalize_date("刚刚", now=now).iso == "2026-03-01T01:30:00+08:00"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("« 上一篇 2026年2月2日", "2026年2月2日", id="prev-nav"),
        pytest.param("下一篇 » 2026年2月2日", "2026年2月2日", id="next-nav"),
        pytest.param("发布时间：2025-12-03 14:20  来源：新华网  浏览：1234", "2025-12-03 14:20", id="published-line"),
        pytest.param("admin 2025/11/25", "2025/11/25", id="author-line"),
        pytest.param("时间：2026年1月5日 星期一 来源：人民网", "2026年1月5日 星期一", id="weekday-kept"),
        pytest.param("作者：张三 | 3天前 | 阅读 88", "3天前", id="relative"),
        pytest.param("活动时间：2019年6月28日9:30~11:30", None, id="range"),
        pytest.param("2019-09-05 - 3条评论", "2019-09-05", id="a-spaced-dash-is-no-range"),
        pytest.param("<meta> 2026-02-02T02:30:00Z", "2026-02-02T02:30:00Z", id="iso"),
        pytest.param("客服热线 400-622-0089", None, id="phone"),
        pytest.param("« 上一篇 干细胞治疗糖尿病的最新研究进展", None, id="no-date"),
        pytest.param("", None, id="empty"),
    ],
)
def test_find_date_text(line, expected):
    assert find_date_text(line) == expected


def test_found_text_normalizes():
    line = "发布时间：2025-12-03 14:20  来源：新华网  浏览：1234"
    assert normalize_date(find_date_text(line), now=NOW).iso == "2025-12-03T14:20:00+08:00"


DATEISH = st.text(alphabet="0123456789０２年月日号-/.:： T+Z上下午时点分秒前天周星期一二三〇零十刚昨abc", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), DATEISH))
def test_random_text_never_raises(text):
    found = find_date_text(text)
    assert found is None or found in text
    result = normalize_date(text, now=NOW)
    if result is not None:
        assert result.raw == text
        day = date.fromisoformat(result.iso[:10])
        assert date(1990, 1, 1) <= day <= date(2026, 3, 2)
