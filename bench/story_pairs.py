"""Precision and recall of story grouping on labelled pairs of texts made from real pages.

``tests/cases/reprint_pairs.jsonl`` holds pairs of article texts, each side a real page of
``tests/realpages/`` (its body as medarchive extracts it) with edits written out in the
line: the paragraphs (or, for a body of fewer than four paragraphs, sentences) kept, and
lines added before and after. ``reprint`` pairs are a page and an edited copy of it, the
edits a reprinting portal makes: a changed headline, an editor's note (编者按), a source
line, trimmed paragraphs, its own chrome (editor line, share bar, related-article list).
``different`` pairs are two different real articles: both medical, or from one site, or the
pair of distinct pages whose texts overlap most; some with the same chrome added to both,
some where the second quotes a paragraph of the first (a follow-up story citing the same
announcement). ``half`` splits them: the numbers are chosen on ``choose`` and reported
on ``check``.

    python bench/story_pairs.py            # precision/recall per shingle size and threshold
    python bench/story_pairs.py --build    # write the pairs again (seeded: the same file)
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "realpages"
PAIRS = ROOT / "tests" / "cases" / "reprint_pairs.jsonl"
#: Pages with fewer characters of body than this are too short to reprint in pieces.
MIN_BODY = 300

NOTES = [
    "编者按：本文转载自其他媒体，仅供读者参考，不代表本站观点。",
    "编者按：近日，这篇文章引起了广泛关注，现转发如下，供大家了解。",
    "【编者按】为帮助读者了解相关情况，本站特转载此文。",
    "编者按：以下内容经作者授权发布，文字略有删节。",
]
SOURCES = ["来源：健康时报", "来源：新华网", "稿件来源：人民网-健康频道", "本文转自：中国新闻网", "转载自：光明日报客户端"]
CHROME_BEFORE = ["发布时间：2026-03-01 09:30  浏览次数：1024", "作者：本站记者  字号：大 中 小", "当前位置：首页 > 新闻中心 > 正文"]
CHROME_AFTER = [
    "责任编辑：王芳",
    "分享到：微信 微博 QQ空间",
    "【免责声明】本站转载的文章仅供参考，版权归原作者所有，如有侵权请联系删除。",
    "扫一扫关注我们的公众号",
]


@lru_cache(maxsize=1)
def corpus_bodies() -> dict[str, dict]:
    """Each real page's extracted title, body, site and whether it is medical, by file."""
    from crawler.single_page import extract_page

    pages = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    found = {}
    for page in pages:
        item = extract_page((CORPUS / page["file"]).read_bytes(), page["url"]).item
        if item is not None:
            found[page["file"]] = {"title": item.title, "body": item.body, "site": page["site"], "medical": bool(page.get("medical"))}
    return found


def units(body: str) -> list[str]:
    """The pieces a reprint keeps or drops: paragraphs, or sentences of a body of fewer than four."""
    lines = [line for line in body.split("\n") if line.strip()]
    if len(lines) >= 4:
        return lines
    return [piece for piece in re.split(r"(?<=[。！？!?])", body) if piece.strip()]


def side_text(side: dict, bodies: dict) -> str:
    """The text of one side of a pair: its page's body with the side's edits applied."""
    pieces = units(bodies[side["page"]]["body"])
    if side.get("keep") is not None:
        pieces = [pieces[i] for i in side["keep"]]
    inserted = [units(bodies[quote["page"]]["body"])[quote["unit"]] for quote in side.get("quotes", [])]
    middle = len(pieces) // 2
    pieces = pieces[:middle] + inserted + pieces[middle:]
    return "\n".join([*side.get("before", []), *pieces, *side.get("after", [])])


def pair_texts(pair: dict, bodies: dict | None = None) -> tuple[str, str]:
    bodies = bodies or corpus_bodies()
    return side_text(pair["a"], bodies), side_text(pair["b"], bodies)


# --- building the pairs -------------------------------------------------------------------


def _trimmed(count: int, rng: random.Random) -> list[int]:
    """Indices kept by a trim: the tail cut, or one or two pieces from the middle dropped."""
    if count < 3:
        return list(range(count))
    if rng.random() < 0.5:
        return list(range(max(2, round(count * rng.uniform(0.6, 0.9)))))
    dropped = set(rng.sample(range(1, count - 1), k=min(2, count - 2, max(1, count // 5))))
    return [i for i in range(count) if i not in dropped]


def _reprint(page: str, bodies: dict, rng: random.Random, edits: list[str]) -> dict:
    side = {"page": page}
    count = len(units(bodies[page]["body"]))
    if "headline" in edits:
        side["headline"] = "转载｜" + bodies[page]["title"][: rng.randint(8, 20)]
    if "note" in edits:
        side["before"] = [rng.choice(NOTES)]
    if "source" in edits:
        side.setdefault("before", []).append(rng.choice(SOURCES))
    if "trim" in edits:
        side["keep"] = _trimmed(count, rng)
    if "chrome" in edits:
        others = rng.sample(sorted(bodies), 3)
        side["before"] = [rng.choice(CHROME_BEFORE), *side.get("before", [])]
        side["after"] = [*rng.sample(CHROME_AFTER, 2), "相关阅读：", *(bodies[other]["title"] for other in others)]
    return side


REPRINT_EDITS = [
    ["headline", "note"],
    ["source", "chrome"],
    ["trim"],
    ["headline", "note", "trim"],
    ["source", "trim", "chrome"],
    ["headline", "note", "source", "chrome"],
]


def build(seed: int = 26) -> list[dict]:
    """The labelled pairs, made the same way every time from the corpus."""
    rng = random.Random(seed)
    bodies = corpus_bodies()
    long_enough = sorted(name for name, page in bodies.items() if len(page["body"]) >= MIN_BODY)
    pairs = []
    for page in long_enough:
        for edits in rng.sample(REPRINT_EDITS, 2):
            pairs.append({"kind": "reprint", "edits": edits, "a": {"page": page}, "b": _reprint(page, bodies, rng, edits)})
    different = set()
    medical = [name for name in long_enough if bodies[name]["medical"]]
    different.update(itertools.combinations(medical, 2))
    for first, second in itertools.combinations(long_enough, 2):
        if bodies[first]["site"] == bodies[second]["site"]:
            different.add((first, second))
    different = sorted(different)
    for first, second in rng.sample(different, min(len(different), 150)):
        made = {"kind": "different", "a": {"page": first}, "b": {"page": second}}
        roll = rng.random()
        if roll < 0.3:
            chrome = _reprint(first, bodies, rng, ["source", "chrome"])
            made["why"] = "same chrome"
            made["a"].update(before=chrome["before"], after=chrome["after"])
            made["b"].update(before=chrome["before"], after=chrome["after"])
        elif roll < 0.6:
            made["why"] = "quotes a paragraph"
            pieces = units(bodies[first]["body"])
            made["b"]["quotes"] = [{"page": first, "unit": max(range(len(pieces)), key=lambda i: len(pieces[i]))}]
        else:
            made["why"] = "medical" if bodies[first]["medical"] and bodies[second]["medical"] else "same site"
        pairs.append(made)
    rng.shuffle(pairs)
    for number, pair in enumerate(pairs):
        pair["half"] = "choose" if number % 2 == 0 else "check"
    return pairs


def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- scoring ------------------------------------------------------------------------------


def judged_same(first: str, second: str, size: int, threshold: float) -> bool:
    """Whether the archive would put the two texts in one story: a band in common (so that
    one is found as the other's candidate) and an estimated similarity at the threshold."""
    from archive import stories

    one, other = stories.signature(first, size), stories.signature(second, size)
    if one is None or other is None:
        return False
    shared_band = any(x == y for x, y in zip(stories.band_hashes(one), stories.band_hashes(other)))
    return shared_band and stories.similarity(one, other) >= threshold


def precision_recall(pairs: list[dict], size: int, threshold: float) -> tuple[float, float, dict]:
    """Precision and recall of ``reprint`` among ``pairs``, and the counts behind them."""
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    bodies = corpus_bodies()
    for pair in pairs:
        same = judged_same(*pair_texts(pair, bodies), size, threshold)
        reprint = pair["kind"] == "reprint"
        counts[("t" if same == reprint else "f") + ("p" if same else "n")] += 1
    found = counts["tp"] + counts["fp"]
    precision = counts["tp"] / found if found else 1.0
    recall = counts["tp"] / (counts["tp"] + counts["fn"]) if counts["tp"] + counts["fn"] else 1.0
    return precision, recall, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="write tests/cases/reprint_pairs.jsonl again")
    args = parser.parse_args()
    if args.build:
        pairs = build()
        PAIRS.write_text("".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs), encoding="utf-8")
        kinds = {kind: sum(pair["kind"] == kind for pair in pairs) for kind in ("reprint", "different")}
        print(f"{len(pairs)} pairs -> {PAIRS.relative_to(ROOT)}: {kinds}")
        return
    from archive import stories

    pairs = load_pairs()
    choose = [pair for pair in pairs if pair["half"] == "choose"]
    check = [pair for pair in pairs if pair["half"] == "check"]
    print(f"{len(pairs)} pairs: {sum(p['kind'] == 'reprint' for p in pairs)} reprint, {sum(p['kind'] == 'different' for p in pairs)} different")
    print("shingle  threshold  precision  recall   (choose half)")
    for size in (3, 4, 5):
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
            precision, recall, _ = precision_recall(choose, size, threshold)
            print(f"{size:>7}  {threshold:>9}  {precision:>9.3f}  {recall:>6.3f}")
    precision, recall, counts = precision_recall(check, stories.SHINGLE_SIZE, stories.THRESHOLD)
    print(f"chosen: shingle {stories.SHINGLE_SIZE}, threshold {stories.THRESHOLD}; check half: precision {precision:.3f},"
          f" recall {recall:.3f} {counts}")


if __name__ == "__main__":
    main()
