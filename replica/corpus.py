"""Deterministic generation of Chinese stem-cell news articles.

`generate_articles(rng, n, start)` returns `Article` records in date order.
An article is markup-neutral: a title, a list of body blocks (inline HTML),
reference entries (inline HTML, unnumbered) and a disclaimer. The site
renderers (`wordpress`, `dedecms`) decide the page around them; the ground
truth (DOIs, PMIDs, first paragraph...) is derived from these same records so
it cannot drift from what is served.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from . import vocab

SHANGHAI = timezone(timedelta(hours=8))
MARKER_WORDS = ("哮喘", "肺", "外泌体", "骨关节炎", "脑卒中", "糖尿病")


class Deck:
    """Draw items without replacement, reshuffling when empty, so every
    variant shows up once per round instead of relying on luck."""

    def __init__(self, rng: random.Random, items):
        self.rng, self.items, self.pile = rng, list(items), []

    def draw(self):
        if not self.pile:
            self.pile = self.items[:]
            self.rng.shuffle(self.pile)
        return self.pile.pop()


@dataclass
class Reference:
    html: str  # one entry, inline HTML, without its "[1]" number
    dois: set[str] = field(default_factory=set)
    pmids: set[str] = field(default_factory=set)
    pmcids: set[str] = field(default_factory=set)


@dataclass
class Article:
    index: int
    topic: str
    title: str
    published: datetime  # aware, +08:00
    blocks: list[tuple]  # ("p", html) | ("h", level, text) | ("ul", [html]) | ("figure", src, caption)
    references: list[Reference]
    reference_heading: str
    disclaimer: str | None
    body_dois: set[str] = field(default_factory=set)
    trials: set[str] = field(default_factory=set)  # registration numbers, canonical

    @property
    def dois(self) -> set[str]:
        return {d.lower() for r in self.references for d in r.dois} | {d.lower() for d in self.body_dois}

    @property
    def pmids(self) -> set[str]:
        return {p for r in self.references for p in r.pmids}

    @property
    def pmcids(self) -> set[str]:
        return {p for r in self.references for p in r.pmcids}

    def first_paragraph(self) -> str:
        return text_of(next(b[1] for b in self.blocks if b[0] == "p"))

    def images(self) -> tuple[tuple[str, str, str], ...]:
        """The body's pictures in order, as the truth records them: (path, alt, caption); every
        site shows a picture's caption as its alt text too."""
        return tuple((b[1], b[2], b[2]) for b in self.blocks if b[0] == "figure")

    def plain_text(self) -> str:
        parts = [self.title]
        for block in self.blocks:
            if block[0] == "ul":
                parts.extend(text_of(item) for item in block[1])
            else:
                parts.append(text_of(block[-1]))
        return "\n".join(parts)

    def keywords(self) -> frozenset[str]:
        text = self.plain_text()
        return frozenset(w for w in MARKER_WORDS if w in text)

    def to_traditional(self) -> None:
        """Convert in place the way mirror sites do (character table, so
        ASCII markup, URLs and DOIs are untouched)."""
        t = vocab.S2T
        self.title = self.title.translate(t)
        self.blocks = [b if b[0] == "figure" else tuple(_translate(x, t) for x in b) for b in self.blocks]
        self.reference_heading = self.reference_heading.translate(t)
        self.references = [Reference(r.html.translate(t), r.dois, r.pmids, r.pmcids) for r in self.references]
        if self.disclaimer:
            self.disclaimer = vocab.TRAD_DISCLAIMER


def _translate(value, table):
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, list):
        return [v.translate(table) for v in value]
    return value


def text_of(fragment: str) -> str:
    """Visible text of an inline HTML fragment, as the truth records it."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# --- identifiers -----------------------------------------------------------

def _doi(rng: random.Random) -> str:
    d = lambda k: "".join(rng.choice("0123456789") for _ in range(k))  # noqa: E731
    return rng.choice((
        lambda: f"10.1177/2050313X{d(8)}",
        lambda: f"10.3969/j.issn.1673-713X.20{rng.randint(15, 24)}.{d(2)}.{d(3)}",
        lambda: f"10.1016/S0140-6736({rng.randint(20, 25)}){d(5)}-{d(1)}",  # parentheses inside
        lambda: f"10.1186/s13287-02{rng.randint(2, 5)}-0{d(4)}-{d(1)}",
        lambda: f"10.11958/2023{d(4)}",
        lambda: f"10.1038/s41591-02{rng.randint(3, 5)}-0{d(4)}-{d(1)}",
        lambda: f"10.1002/SCTM.{rng.randint(18, 24)}-0{d(3)}",  # upper case: truth is lower-cased
        lambda: f"10.16369/j.oher.issn.1007-1326.20{rng.randint(18, 24)}.0{rng.randint(1, 9)}.0{d(2)}",
    ))()


#: How a DOI is written in a reference entry. Each shape is a real-world one.
DOI_SHAPES = ("plain", "fullwidth", "href", "br", "glued", "article_url", "bare_parenthesised")


def _doi_html(shape: str, doi: str) -> str:
    if shape == "plain":
        return f"doi: {doi}."
    if shape == "fullwidth":
        return f"DOI：{doi}"
    if shape == "href":  # the DOI is only in the href
        return f'<a href="https://doi.org/{doi}" target="_blank" rel="noopener">[全文链接]</a>'
    if shape == "br":
        return f"DOI:<br>{doi}"
    if shape == "glued":
        return f"文献标志码:ADOI:{doi}"
    if shape == "article_url":
        return f'<a href="https://www.zjyxyjzz.cn/article/doi/{doi}?viewType=HTML">{doi}</a>'
    return f"(DOI {doi})"


def _reference(rng: random.Random, topic: dict, shape: str) -> Reference:
    doi = _doi(rng)
    ref = Reference("", {doi})
    year = rng.randint(2019, 2026)
    if shape in ("glued", "fullwidth", "br") and rng.random() < 0.7:
        names = ", ".join(rng.sample(vocab.CN_NAMES, 2))
        body = (f"{names}. {topic['short']}的干细胞治疗研究进展[J]. {rng.choice(vocab.CN_JOURNALS)}, {year}, "
                f"{rng.randint(30, 60)}({rng.randint(1, 12)}): {rng.randint(100, 400)}-{rng.randint(401, 600)}. ")
    else:
        authors = ", ".join(f"{s} {rng.choice('ABCDHJKMRS')}{rng.choice(['', 'Q', 'L'])}"
                            for s in rng.sample(vocab.SURNAMES, rng.randint(2, 5)))
        body = (f"{authors}. {topic['en'][0].upper() + topic['en'][1:]}: a preliminary clinical evaluation. "
                f"{rng.choice(vocab.JOURNALS[:7])}. {year} Jan {rng.randint(1, 28)};{rng.randint(5, 20)}:"
                f"{rng.randint(10, 999)}. ")
    body += _doi_html(shape, doi)
    if rng.random() < 0.5:
        pmid = str(rng.randint(30000000, 41999999))
        ref.pmids.add(pmid)
        body += (f" PMID: {pmid}." if rng.random() < 0.7 else
                 f' <a href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/">PubMed</a>')
    if rng.random() < 0.4:
        pmcid = f"PMC{rng.randint(6000000, 12999999)}"
        ref.pmcids.add(pmcid)
        body += f" PMCID: {pmcid}."
    ref.html = body
    return ref


# --- body text ----------------------------------------------------------------

DOSES = ("1.0×10^6/kg", "2×10^6 cells/kg", "5.0×10^7个细胞", "1×10^8/次", "10.5×10^6/kg")
LIST_ITEMS = (
    ("本质", "{cell}并非普通药物,而是能感知局部微环境并作出反应的“活性”治疗手段"),
    ("安全性", "治疗期间未报告严重不良事件,肝肾功能及血液学指标均保持稳定"),
    ("稳定性与可操作性", "制剂可标准化生产、长期储存和精确定量,临床转化路径更接近传统药物"),
    ("低伦理争议", "脐带等来源通常被视为医疗废弃物,获取过程无创,伦理问题少"),
    ("给药方式", "采用{dose}的剂量,操作简便,患者依从性好"),
    ("适用人群", "主要为常规治疗效果不佳的{disease}患者"),
    ("局限性", "样本量仅{n}例,随访时间有限,缺乏随机对照"),
)


def _fill(rng: random.Random, topic: dict, template: str, **extra) -> str:
    values = dict(
        disease=topic["disease"], short=topic["short"], cell=rng.choice(topic["cells"]),
        metric=rng.choice(topic["metrics"]), journal=rng.choice(vocab.JOURNALS), n=rng.randint(3, 120),
        w=rng.randint(2, 12), name=rng.choice(vocab.CN_NAMES), year=rng.randint(2024, 2026),
        dose=rng.choice(DOSES), p=f"0.0{rng.randint(1, 4)}", a=f"{rng.uniform(1.5, 3):.2f}",
        b=f"{rng.uniform(3, 4.5):.2f}", age=rng.randint(35, 72), sd=f"{rng.uniform(1, 9):.1f}",
        mechanism=topic["mechanism"], latin="、".join(rng.sample(topic["latin"], 2)),
    )
    values.update(extra)
    return template.format(**values)


PARAGRAPHS = (
    "结果显示,治疗后患者{metric}较基线明显改善,由{a}提高至{b},差异具有统计学意义(p={p})。",
    "研究采用{dose}的剂量,每周给药一次,共{w}次;主要终点为{metric}的变化。",
    "研究提示,该疗法在{short}治疗方面具备潜力,且安全性良好,为后续临床研究提供了初步依据。",
    "机制研究表明,{mechanism}。关键指标包括{latin}等。",
    "在安全性方面,治疗期间未报告严重不良事件,肝肾功能及血液学指标均未见明显异常。",
    "需要指出的是,该研究样本量较小({n}例),且缺乏随机对照,结论仍需更大规模的研究加以验证。",
    "受试者平均年龄为{age}岁(标准差={sd}岁),均在既往常规治疗效果不佳后接受{cell}治疗。",
)
POLICY_PARAGRAPHS = (
    "{year}年{w}月,国家药品监督管理局药品审评中心(CDE)发布通知,进一步规范{short}产品的临床试验申请(IND)。",
    "新规要求申办方在细胞制剂生产中执行GMP标准,并对每批次产品开展无菌、支原体和内毒素检测。",
    "业内人士认为,{mechanism},有助于推动行业从“野蛮生长”走向规范发展。",
    "截至目前,全国已有{n}个干细胞临床研究项目完成备案,覆盖{w}个省份。",
)
INTROS = (
    "近日,发表于《{journal}》的一项临床研究表明,{cell}有望成为{disease}的一种新型辅助疗法。该研究评估了{n}例患者接受治疗的安全性与有效性",
    "{disease}长期困扰着大量患者。{year}年,{name}团队在《{journal}》发表论文,报道了{cell}治疗的最新结果",
    "据《{journal}》报道,一项纳入{n}例{disease}患者的研究显示,{cell}可显著改善{metric}",
)


def _body(rng: random.Random, topic_key: str, has_refs: bool, figures: Deck) -> list[tuple]:
    topic = vocab.TOPICS[topic_key]
    policy = topic_key == "policy"
    intro = _fill(rng, topic, rng.choice(POLICY_PARAGRAPHS[:1] if policy else INTROS))
    blocks: list[tuple] = [("p", intro + ("<sup>[1]</sup>" if has_refs else "") + "。")]
    pool = POLICY_PARAGRAPHS if policy else PARAGRAPHS
    paragraphs = Deck(rng, pool)  # no sentence twice in one article
    for question in rng.sample(vocab.QUESTIONS, rng.randint(2, 4)):
        blocks.append(("h", rng.choice((2, 3)), _fill(rng, topic, question)))
        for _ in range(rng.randint(1, 2)):
            blocks.append(("p", _fill(rng, topic, paragraphs.draw())))
        if rng.random() < 0.5:
            items = [f"<strong>{label}</strong>:" + _fill(rng, topic, text) + "。"
                     for label, text in rng.sample(LIST_ITEMS, rng.randint(2, 4))]
            blocks.append(("ul", items))
        figure = figures.draw()
        if rng.random() < 0.4 and figure not in blocks:
            blocks.append(figure)
    blocks.append(("h", 2, rng.choice(("结论", "小结", "总结"))))
    blocks.append(("p", _fill(rng, topic, PARAGRAPHS[2])))
    return blocks


#: Days between two articles; a portal of thousands posts several a day, so that its dates stay
#: in the past however many articles a benchmark asks for.
DAY_STEPS = (0, 1, 1, 2, 3, 4)
BUSY_DAY_STEPS = (0,) * 15 + (1,)


def generate_articles(rng: random.Random, n: int, start: date, topics=None) -> list[Article]:
    """`n` articles, oldest first, dates from `start` on (several may share a day)."""
    topics = list(topics or vocab.TOPICS)
    doi_shapes = Deck(rng, DOI_SHAPES)
    figures = Deck(rng, [
        ("figure", "/uploads/2026/01/ai-cell.jpg", "图源:AI生成"),
        ("figure", "/uploads/2026/01/table1.png", "表1:研究对象特征。"),
        ("figure", "/uploads/2026/01/fig2.png", "图2:治疗前后主要指标变化(图源:AI生成)"),
    ])
    articles, titles, day = [], set(), start
    for i in range(n):
        day += timedelta(days=rng.choice(DAY_STEPS if n <= len(DAY_STEPS) * 50 else BUSY_DAY_STEPS))
        stamp = datetime.combine(day, time(rng.randint(8, 18), rng.choice((0, 5, 20, 30, 45))), SHANGHAI)
        topic_key = topics[i % len(topics)] if i < len(topics) else rng.choice(topics)
        topic = vocab.TOPICS[topic_key]
        refs = [] if rng.random() < 0.25 else [_reference(rng, topic, doi_shapes.draw())
                                               for _ in range(rng.randint(1, 5))]
        shapes = vocab.POLICY_TITLES if topic_key == "policy" else vocab.TITLE_SHAPES
        title = _fill(rng, topic, rng.choice(shapes))
        while title in titles:
            title = _fill(rng, topic, rng.choice(shapes))
        titles.add(title)
        blocks = _body(rng, topic_key, bool(refs), figures)
        article = Article(i, topic_key, title, stamp, blocks, refs,
                          rng.choice(("参考资料:", "参考文献", "参考资料：", "参考文献：")),
                          None, set())  # the site picks its own disclaimer wording
        if refs and rng.random() < 0.3:
            # A DOI cited in the body as a link, not only in the reference list.
            doi = _doi(rng)
            article.body_dois.add(doi)
            blocks.insert(len(blocks) - 1, ("p", f'原文链接:<a href="https://doi.org/{doi}">{html.escape(topic["en"])}</a>'))
        _name_trial(article)
        if i in short_indices(n):
            _shorten(article)
        articles.append(article)
    return articles


#: A story both the WordPress and the DedeCMS replica carry (a reprint: the same text, which
#: the DedeCMS site gives another headline and an editor's note), written apart from the
#: generated articles so that none of them tells it too.
PRESS_RELEASE_TITLE = "国家卫生健康委发布儿童青少年近视防控适宜技术指南(更新版)"
REPRINT_TITLE = "儿童近视怎么防?权威指南更新,这些做法要记牢"
REPRINT_NOTE = "编者按:近视已成为影响儿童青少年健康的突出问题。本站转载此文,供家长和学校参考。"
PRESS_RELEASE = (
    "近日,国家卫生健康委办公厅印发《儿童青少年近视防控适宜技术指南(更新版)》,对近视的筛查、预防和矫正作出细化规定,"
    "要求各地卫生健康部门会同教育部门抓好落实。",
    "指南指出,户外活动是预防近视最有效、最经济的措施。学龄儿童每天应保证日间户外活动累计达到两小时以上,"
    "课间尽量走出教室,家长应在周末带孩子参加登山、骑行、球类等户外运动。",
    "在用眼习惯方面,指南建议读写时做到\"一拳一尺一寸\",连续近距离用眼四十分钟左右应休息远眺十分钟。"
    "小学生每天使用电子屏幕累计不宜超过一小时,学龄前儿童尽量避免接触手机和平板电脑。",
    "指南明确,托幼机构和中小学校每学期应至少开展一次视力筛查,并为每名学生建立屈光发育档案。"
    "筛查发现视力异常的,应及时告知家长并建议到医疗机构进一步检查,避免在眼镜店直接配镜。",
    "对于已经近视的儿童,指南提示家长不要轻信\"治愈近视\"的宣传。角膜塑形镜、低浓度阿托品滴眼液等干预手段"
    "须在眼科医生指导下使用,并定期复查眼轴长度和角膜健康状况。",
    "国家卫生健康委有关负责人表示,下一步将会同有关部门加强对近视防控产品和服务的监管,"
    "推动医疗机构、学校和家庭形成合力,力争实现全国儿童青少年总体近视率每年下降的目标。",
)


def reprint_index(articles: list[Article], taken: set[int]) -> int | None:
    """Which article carries :data:`PRESS_RELEASE`: the first past the chain's oldest two that no
    case of ``taken`` uses, is not short and cites no DOI or trial in its text (replacing its
    text must not change what else the site shows); None on a site too small to spare one."""
    n = len(articles)
    return next((i for i in range(2, n - 2) if i not in taken | short_indices(n)
                 and not articles[i].body_dois and not articles[i].trials and articles[i].topic != "policy"), None)


def carry_press_release(articles: list[Article], index: int | None, reprint: bool) -> None:
    """Give the article at ``index`` the press release's text; as a ``reprint``, with another
    headline and an editor's note first."""
    if index is None:
        return
    article = articles[index]
    paragraphs = [("p", text) for text in PRESS_RELEASE]
    article.title = REPRINT_TITLE if reprint else PRESS_RELEASE_TITLE
    article.blocks = [("p", REPRINT_NOTE), *paragraphs] if reprint else paragraphs
    article.references = []


def short_indices(n: int) -> set[int]:
    """Which of ``n`` articles are short: the chain's two ends and one past its middle (the
    WordPress site deletes the middle one)."""
    return {0, n // 2 + 1, n - 1}


#: Short articles as portals post them: a one-line 快讯, and a one-paragraph notice citing its
#: source by DOI. ``{cell}`` and ``{disease}`` come from the topic, ``{doi}`` is drawn.
SHORT_FORMS = (
    "快讯:{cell}治疗{disease}的多中心临床研究近日完成首例受试者入组。",
    "通知:{disease}诊疗进展专题研讨会将于下月举行,会议将解读{cell}的最新临床证据,欢迎相关科室医生报名参加。研究原文见DOI:{doi}。",
)


def _shorten(article: Article) -> None:
    """Make ``article`` short: one paragraph (``SHORT_FORMS``, drawn from its index alone, so
    that the rest of the corpus is drawn as before), no references; a trial it names stays."""
    rng = random.Random(f"short-{article.index}")
    topic = vocab.TOPICS[article.topic]
    form = SHORT_FORMS[article.index % len(SHORT_FORMS)]
    doi = _doi(rng)
    trial = [article.blocks[-2]] if article.trials else []  # ``_name_trial`` put it before the last block
    article.blocks = [("p", form.format(cell=topic["cells"][0], disease=topic["disease"], doi=doi))] + trial
    article.references = []
    article.body_dois = {doi} if "{doi}" in form else set()


#: How an article names the trial it reports, one shape per real-world way: the number in
#: prose (full-width and with an en dash too), or only in a link to its registry.
TRIAL_SHAPES = (
    ("NCT{:08d}", "该研究已在ClinicalTrials.gov注册(注册号:{id})。"),
    ("ChiCTR{:010d}", "该试验已在中国临床试验注册中心注册,注册号为{id}。"),
    ("ChiCTR-IOR-{:08d}", "研究方案已于中国临床试验注册中心登记({shown})。"),
    ("NCT{:08d}", '该研究已在美国临床试验注册平台登记,目前仍在招募受试者,试验方案与入组标准见其<a href="https://clinicaltrials.gov/study/{id}">注册页面</a>。'),
    ("ISRCTN{:08d}", "该试验在ISRCTN注册,编号{id}。"),
    ("NCT{:08d}", "该研究注册号为{fullwidth}。"),
    ("ACTRN{:014d}", "该试验已在澳大利亚新西兰临床试验注册中心(ANZCTR)注册:{id}。"),
)
#: Every how-many-th article names a trial.
TRIAL_EVERY = 3


def _name_trial(article: Article) -> None:
    """Give every ``TRIAL_EVERY``-th article a paragraph naming a registered trial, drawn from
    its index alone, so that the rest of the corpus is drawn as before."""
    if article.index % TRIAL_EVERY != 1:
        return
    shape, sentence = TRIAL_SHAPES[(article.index // TRIAL_EVERY) % len(TRIAL_SHAPES)]
    digits = random.Random(f"trial-{article.index}").randrange(1, 10 ** 8)
    trial_id = shape.format(digits)
    shown = trial_id.replace("-", "–")
    fullwidth = trial_id.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    article.trials.add(trial_id)
    article.blocks.insert(len(article.blocks) - 1, ("p", sentence.format(id=trial_id, shown=shown, fullwidth=fullwidth)))
