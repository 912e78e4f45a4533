"""Checks that an API's JSON has the shape the parsers read, so that any other answer is
refused with a reason (:class:`~enrichment.limits.Unusable`) instead of raising
somewhere, or storing a wrong value: a number where text belongs, a year of 10^30, a title
of megabytes (the bounds are :data:`archive.works.TEXT_LIMITS`)."""

from archive.works import TEXT_LIMITS

from .limits import Unusable

#: Calendar bounds of a date part; outside them the date is not a publication date.
DATE_BOUNDS = {"year": (1000, 2999), "month": (1, 12), "day": (1, 31)}


def _kind(value) -> str:
    return "null" if value is None else {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


def mapping(value, where: str) -> dict:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise Unusable(f"{where} is {_kind(value)}, not an object")
    return value


def items(value, where: str) -> list:
    """``value`` if it is a JSON list; absent (null) is an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unusable(f"{where} is {_kind(value)}, not a list")
    return value


def text(value, where: str, column: str) -> str | None:
    """``value`` if it is text no longer than ``column``'s bound (blank is None); absent is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unusable(f"{where} is {_kind(value)}, not text")
    if len(value) > TEXT_LIMITS[column]:
        raise Unusable(f"{where} is longer than {TEXT_LIMITS[column]:,} characters")
    return value.strip() or None


def identifier(value, where: str) -> str | None:
    """An identifier given as text or as a whole number (NCBI gives PMIDs both ways)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return text(str(value), where, "identifier")
    return text(value, where, "identifier")


def date_part(value, part: str) -> int:
    """A year, month or day: a whole number within :data:`DATE_BOUNDS`."""
    low, high = DATE_BOUNDS[part]
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unusable(f"the {part} of the date is {_kind(value)}, not a whole number")
    if not low <= value <= high:
        raise Unusable(f"the {part} of the date, {str(value)[:40]}, is not between {low} and {high}")
    return value


def authors(names: list, where: str) -> list:
    """``names`` if there are no more than the bound allows."""
    if len(names) > TEXT_LIMITS["authors"]:
        raise Unusable(f"{where} names more than {TEXT_LIMITS['authors']:,} authors")
    return names
