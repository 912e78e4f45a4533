"""Rules of the portal family, as data.

Everything that names a label, a prefix or a CSS hook of the sites we crawl
lives here, so that supporting another wording means adding a table entry, not
editing a spider. Both Simplified and Traditional spellings are listed.
"""

import re

#: Words that label the link to the previous / next article. Order does not
#: matter; matching is on the text around a link, never on one site's class.
PREV_LABELS = ("上一篇", "上一条", "上一則", "上一条新闻", "上篇", "前一篇", "上一頁文章", "上一篇文章", "上一章", "上章")
NEXT_LABELS = ("下一篇", "下一条", "下一則", "下一条新闻", "下篇", "后一篇", "後一篇", "下一篇文章", "下一章", "下章")

#: Link texts that lead to the previous / next page: a serial's chapters when no page numbers
#: stand beside them, a pager of one long text when they do (then they are not followed).
PREV_PAGE_LINKS = ("上一页", "上一頁", "上页", "上頁")
NEXT_PAGE_LINKS = ("下一页", "下一頁", "下页", "下頁")

#: Words a label may follow (``阅读下一篇``, ``查看上一篇``).
LABEL_LEAD_WORDS = ("阅读", "閱讀", "查看", "点击", "點擊", "浏览", "瀏覽")

#: Text that means "there is no article in this direction" (DedeCMS prints
#: ``下一篇:没有了``).
CHAIN_END_MARKERS = ("没有了", "沒有了", "无", "無", "暂无", "暫無", "已是最后一篇", "已是第一篇", "已经是最后一篇", "已经是第一篇", "已经是最后一篇了", "已经是第一篇了")

#: Link texts that lead back to a listing, sometimes printed where the next article's link would be.
LISTING_LINK_WORDS = ("返回列表", "返回目录", "返回首页", "返回栏目", "返回上级", "列表页")

#: Containers that the common CMSes use for the prev/next block. Used as an
#: extra hint and to cut the block out of the body, never as the only way.
NAVIGATION_CONTAINERS = (
    "nav.post-navigation",
    ".post-navigation",
    ".navigation.post-navigation",
    ".nav-links",
    ".pre_next",
    ".prenext",
    ".pre-next",
    ".article-nav",
    ".post-nav",
    ".page-nav",
)

#: Prefixes of a visible "published" line. ``更新`` lines are not publication dates.
DATE_LINE_PREFIXES = (
    "发布时间", "發布時間", "發佈時間", "發佈日期", "发布時間", "发布日期", "發布日期", "发表时间", "發表時間", "发表日期",
    "發表日期", "发表于", "發表於", "发布于", "發佈於", "发布於", "发文日期", "成文日期", "刊发时间", "时间", "時間", "日期",
    "发布", "posted @", "posted on", "published", "publish date",
)

#: Words opening a forum or blog post's signature line, its date after 于:
#: "本贴由大卫于2005年8月12日16:12:21在〖…〗发表".
POST_SIGNATURE_OPENERS = ("本贴", "本帖", "本文", "此贴", "此帖")

#: Class or id words of elements that show the date line (``<span class="pubtime">``, ``<p class="ly">``).
DATE_CLASS_PATTERN = r"date|time|pubtime|publish|info|source|(?<![a-z])ly(?![a-z])|meta|post-?date|riqi"

#: Attributes that carry a date as data (``<span data-ptime="...">``).
DATE_ATTRIBUTES = ("data-ptime", "data-time", "data-date", "data-publish-time", "data-pubtime", "pubdate", "datetime")

#: Comments that publishing systems leave with the date (Sina's ``published at``, Founder's
#: ``<founder-date>``, enpproperty ``<date>``); group 1 is the date.
DATE_COMMENT_PATTERNS = (
    r"published at (\d{4}-\d{1,2}-\d{1,2}[ \d:]*)",
    r"<founder-date>\s*([^<]+?)\s*</founder-date>",
    r"<date>\s*([^<]+?)\s*</date>",
)

#: Script variables that hold the publication date (WeChat's ``publish_time``, Tencent's ``pubtime``).
DATE_SCRIPT_VARIABLES = ("publish_time", "publishTime", "pubtime", "pubTime", "pubDate", "publishDate", "createTime")

#: Keys of the page's own data in inline scripts (``"pubDate": "2019-09-05T11:10:52"``); read
#: before any ``<time>``, since they are the publishing system's record of this page.
DATE_SCRIPT_KEYS = ("pubDate", "publishDate", "ptime", "pubtime")

#: Class or id words of blocks about other pages (related lists, sidebars, comments, widgets),
#: matched anywhere in a class or id (case-insensitive): a date inside one is never the page's own.
ELSEWHERE_CLASS_PATTERN = r"relate|side-?bar|comment(?!ary)|recommend|widget|(?<!f)rank|hot-?news|xgwz|xgxw|xgyd|tuijian"

#: Meta tags and JSON-LD keys that carry the publication date, best first.
DATE_META_PROPERTIES = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "datePublished",
    "pubdate",
    "publishdate",
    "PubDate",
    "pubtime",
    "publishtime",
    "firstpublishedtime",
    "dc.date.issued",
    "DC.date.issued",
    "dcterms.created",
)

#: Headings that open the reference list.
REFERENCE_HEADINGS = ("参考资料", "參考資料", "参考文献", "參考文獻", "参考来源", "參考來源", "文献来源", "文獻來源", "References", "REFERENCES", "Reference")

#: Words that open the site's disclaimer paragraph.
DISCLAIMER_MARKERS = ("免责说明", "免责声明", "免責聲明", "免責說明", "版权声明", "版權聲明", "特别声明", "特別聲明")
#: A block or line that is the disclaimer: a marker after any decoration. Extraction cuts such
#: a block out of the body; normalisation moves such a line the block left behind.
DISCLAIMER_LINE = re.compile(r"^[\s«»‹›<>←→|【】\[\]]*(?:" + "|".join(map(re.escape, DISCLAIMER_MARKERS)) + ")")

#: Where the article body lives on the common CMSes, most specific first.
#: When none matches, the body is the block with the most paragraph text.
BODY_SELECTORS = (
    "[itemprop=articleBody]",
    ".entry-content",
    ".post-content",
    ".article-content",
    ".article_content",
    ".single-content",
    ".content_text",
    "#article-content",
    ".art_content",
    "div.content",
    "#content .text",
    "article",
)

#: Meta tags that repeat the headline (with or without the site's name), besides ``<title>``.
TITLE_HINT_META = ("og:title", "twitter:title", "ArticleTitle", "title", "headline", "dc.title", "DC.title")

#: Class or id words of elements that hold a headline when it is not a heading
#: (``<div class="articleTitle">``, ``<td class="bt_title">``, ``<div class="tit2">``).
TITLE_CLASS_PATTERN = r"(?<!sub)(?:title|heading)|headline|biaoti|(?<![a-z])tit(?![a-z])|(?<![a-z])bt(?![a-z])"

#: Breadcrumb / category locations.
BREADCRUMB_SELECTORS = (
    "[itemtype$='BreadcrumbList'] [itemprop=name]",
    ".breadcrumb a",
    ".breadcrumbs a",
    ".crumbs a",
    ".position a",
    ".place a",
    "#breadcrumb a",
)
CATEGORY_SELECTORS = ("[rel~='category'][rel~='tag']", "a[rel~='category']", ".cat-links a", ".post-category a")

#: Page furniture that is never article text, wherever it appears.
BOILERPLATE_SELECTORS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "header",
    "footer",
    "aside",
    "nav",
    ".sidebar",
    "#sidebar",
    ".widget",
    ".share",
    ".social-share",
    ".post-tags",
    ".tags",
    ".tag-cloud",
    ".related",
    ".related-posts",
    ".comments",
    "#comments",
    ".site-header",
    ".site-footer",
    ".breadcrumb",
    ".entry-meta",
    ".post-meta",
    ".info",
) + NAVIGATION_CONTAINERS

#: Class or id words of page furniture inside the article block: share bars, promotions,
#: bylines, tag lists, print/close buttons. Matched anywhere in a class or id (case-insensitive)...
FURNITURE_CLASS_WORDS = ("share", "promo", "qrcode", "comment", "recommend", "related", "toolbar", "social", "weixin-code", "backsohu")
#: ... and these only as a whole word of it (``edit`` but not ``TRS_Editor``).
FURNITURE_CLASS_TOKENS = ("edit", "author", "byline", "tags", "tag", "keywords", "keyword", "ad", "ads", "advert", "print", "copyright", "zdfy", "fenxiang")

#: Class or id words of boxes of other articles beside or below the text (a sidebar's hot list,
#: a ranking): a block inside one is not the article's text, however long. Matched anywhere in
#: a class or id...
BOX_CLASS_WORDS = ("sidebar", "widget", "aside", "paihang", "remen", "tuijian", "xiangguan", "recommend", "related")
#: ... and these only where a word starts (``hotnews``, ``rank-list``, but not ``photo``).
BOX_CLASS_PREFIXES = ("hot", "rank")
#: Words of the short heading over such a box (热搜榜, 相关新闻, 编辑推荐); whole phrases, as an
#: article's own section may be headed 相关知识 or 专家推荐.
BOX_HEADING_WORDS = (
    "相关报道", "相关新闻", "相关阅读", "相关文章", "相关链接", "相关推荐", "相關報導", "相關新聞", "相關閱讀", "延伸阅读", "延伸閱讀",
    "推荐阅读", "精彩推荐", "编辑推荐", "为你推荐", "热点推荐", "今日推荐", "推薦閱讀", "热搜", "熱搜", "热门文章", "热门新闻",
    "热门资讯", "熱門文章", "热点新闻", "排行榜", "点击排行", "阅读排行", "猜你喜欢", "大家都在看",
)

#: Headings that open a list of other articles at the end of the text; the heading and the
#: blocks after it are cut, as a reference section is.
RELATED_HEADINGS = ("相关报道", "相关新闻", "相关阅读", "相关文章", "相关链接", "延伸阅读", "推荐阅读", "热点推荐", "猜你喜欢", "相關報導", "相關新聞", "相關閱讀", "延伸閱讀")

#: Lines that are site chrome when they stand alone in the body text.
BOILERPLATE_LINES = (
    re.compile(r"^即时推送国内外干细胞临床医学资讯"),
    re.compile(r"^(公司地址|联系我们|官方热线|责任编辑|來源|来源|作者|编辑|相关阅读|相关文章|最新文章|热门文章|标签|分享到)\s*[:：]?"),
    re.compile(r"^[(（【\[]?\s*(责编|责任编辑|編輯|编辑|作者|来源|來源|本文来源|文章来源|稿件来源)\s*[:：]"),
    re.compile(r"^(扫一扫在手机打开当前页|扫一扫在手机上查看当前页面|【?打印本页】?|【?关闭窗口】?|返回页首|返回顶部|打印本页\s*关闭窗口|第\s*\d+\s*页\s*/\s*共\s*\d+\s*页)"),
    re.compile(r"^[【\[]?\s*字[体號号]\s*[:：]"),
    # DedeCMS's default article template closes the text with "------分隔线----------------------------".
    re.compile(r"^[-—=_\s]{2,}(分隔线|分隔線)[-—=_\s]{2,}$"),
    # App promotions: "现在用APP看新闻", "下载客户端".
    re.compile(r"^[^。，；,]{0,24}(下载|下載|打开|打開|安装|安裝|扫码|掃碼|用)\s*(APP|App|app|客户端|客戶端)[^。，；,]{0,16}$"),
    # Follow lines: "关注公众号：健康时报", "长按识别二维码，关注我们", "扫码关注，获取更多资讯".
    re.compile(
        r"^[^。！？]{0,30}(关注公众号|關注公眾號|点击关注|點擊關注|长按识别|長按識別|长按二维码|長按二維碼|"
        r"(扫码|掃碼|扫描二维码|掃描二維碼|扫一扫|掃一掃)\s*(关注|關注|订阅|訂閱|加入|添加|进群|進群|阅读|閱讀|观看|觀看|领取|領取|咨询|諮詢)|微信公众号\s*[:：])[^。！？]{0,30}[。！!]?$"
    ),
    # ... and "欢迎关注我们" only where the line starts with it ("社会应关注我们身边的老人。" is text).
    re.compile(r"^[\s【\[（(]*(欢迎|歡迎|请|請|敬请|敬請)?(关注我们|關注我們)"),
    # ... and a whole short line inviting to follow an account by its name: "欢迎关注电大小微".
    re.compile(r"^(欢迎|歡迎|敬请|敬請)(关注|關注)[^。，；,！!]{1,16}[。！!]?$"),
    # Calls to click: "考生如有疑问【点击在线咨询】", "更多资讯[点击进入]".
    re.compile(r"^[^。！？]{0,24}[【\[]\s*(点击|點擊)[^】\]]{1,12}[】\]]$"),
    # A pager alone on its line: "返回目录 下一页", "上一页 | 首页".
    re.compile(r"^(?:(?:返回?|回到?)?(?:目录|目錄|首页|首頁)|上一页|下一页|上一頁|下一頁|[\s|｜/\ue000-\uf8ff])+$"),
    # Blog engine footers: "本文通告引用(Trackback)链接: ...", "(本文发表于..., 已被阅读178次)".
    re.compile(r"^[^。]{0,16}(trackback|引用通告)[^。]{0,12}[:：]", re.IGNORECASE),
    re.compile(r"^[(（]?[^。]{0,30}已被(阅读|閱讀|浏览|瀏覽)\s*\d+\s*次[)）]?$"),
)

#: Credit lines (editor, source, reviewer, photographer) that end an article: cut from the end
#: of the body, where they follow the text, not from its middle, where a role word may start a
#: sentence. A line of at most ``MAX_CREDIT_LINE_CHARS``.
CREDIT_LINE = re.compile(
    r"^[(（【\[]?\s*(责任编辑|責任編輯|责编|責編|编辑|編輯|主编|主編|审核|審核|初审|初審|复审|複審|终审|終審|审校|審校|校对|校對|"
    r"监制|監製|出品|统筹|統籌|策划|策劃|排版|美编|美編|作者|文字|文|图|圖|图片|圖片|摄影|攝影|记者|記者|通讯员|通訊員|"
    r"供稿|撰稿|来源|來源|本文来源|文章来源|稿件来源)\s*[:：/｜|丨]"
)
MAX_CREDIT_LINE_CHARS = 60

#: Query parameters that only track where a visitor came from.
TRACKING_PARAMETERS = re.compile(r"^(utm_[a-z_]+|spm|from|fbclid|gclid|yclid|mc_[a-z]+|share_token|scene|isappinstalled|wechat_redirect|_hsenc|_hsmi)$", re.I)

#: Paths that are listings, tag pages or site furniture, never articles.
#: ``/page/`` only as WordPress pagination (``/page/2/``): some sites keep articles under ``/page/``.
NON_ARTICLE_PATHS = re.compile(r"(/(tag|tags|category|author|search|feed|wp-admin|wp-json|wp-content)(/|$)|/page/\d+/?$|/list[_-]\d+|/index(_\d+)?\.s?html?$|/list\.(jsp|php|aspx?|do)$)", re.I)

#: Text that marks a "page not found" page served with status 200.
SOFT_404_MARKERS = ("页面不存在", "頁面不存在", "页面未找到", "您访问的页面不存在", "404 Not Found", "文章不存在或已被删除")

# --- discovery: sitemaps and listings ------------------------------------------

#: Where sites keep a sitemap when robots.txt names none (WordPress core, common plugins).
SITEMAP_PATHS = ("/sitemap.xml", "/wp-sitemap.xml", "/sitemap_index.xml")

#: Article URLs as the common CMS families write them: a numeric id ending the path
#: (``/sc/zhiliao/59017.html``, ``/a/yixue/1234.html``, EmpireCMS ``/news/2025-03-12/123.html``),
#: a WordPress ``?p=`` shortlink, TRS ``t20250312_4821937.shtml``, Hanweb ``art_1229_567890.html``,
#: PHPCMS ``show-12-345-1.html``, xinhuanet ``c_1130123456.htm``, people.com.cn ``c14739-40123456.html``.
#: Any other family is learned from the articles a crawl reads (``url_shape``).
ARTICLE_URL = re.compile(
    r"(/\d+\.s?html?$)|([?&]p=\d+(&|$))|(/t\d{8}_\d+\.s?html?$)|(/art_\d+_\d+\.html$)|(/show-\d+-\d+(-\d+)?\.html$)"
    r"|(/c_\d+\.s?html?$)|(/c\d+-\d+\.html$)|(/content_\d+\.s?html?$)",
    re.I,
)

#: Containers of a site's main menu, whose links lead to the category listings.
MENU_SELECTORS = ("nav", ".menu", "#navMenu", ".nav", "#nav", ".main-navigation")

#: Text of the link to a listing's next page.
NEXT_PAGE_LABELS = ("下一页", "下一頁", "下页", "下頁", "后页", "後頁", "›", "»", "next", "Next")

#: Text of the links to a listing's other pages besides the page numbers: first, previous, next, last.
PAGER_LABELS = NEXT_PAGE_LABELS + ("首页", "首頁", "上一页", "上一頁", "上页", "前页", "尾页", "尾頁", "末页", "末頁", "最后一页",
                                   "最後一頁", "‹", "«", "previous", "Previous", "last", "Last")

#: URL shapes of a listing's later pages: WordPress ``/page/2/``, DedeCMS ``list_1_2.html``, PHPCMS
#: ``list-12-2.html``, TRS and EmpireCMS ``index_2.shtml``, ``?page=2``, JSP ``list.jsp?...&pageNo=2``.
PAGINATION_URL = re.compile(
    r"(/page/\d+/?$)|(/list[_-]\d+([_-]\d+)?\.s?html?$)|(/index_\d+\.s?html?$)"
    r"|([?&](page|paged|pn|pageNo|pageNum|pageIndex|curPage|currentPage)=\d+)",
    re.I,
)

#: Pagers that a script writes: TRS' ``createPageHTML(count, current, "index", "shtml")``, whose page
#: k (from 1) is ``index_k.shtml``. Groups: page count, name, extension.
SCRIPT_PAGERS = (re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"),)

#: Text of a link to a section's full listing from a block that shows its newest articles.
MORE_LINK_WORDS = ("更多", "更多>>", "查看更多", "more", "More", "MORE", "全部")

#: A link text this long (characters, once spaces are collapsed) reads as a headline, not a
#: menu entry or a pager; one that long is a paragraph.
HEADLINE_CHARS = (8, 120)
#: A block of repeated items is a list of articles when at least this many of its links read
#: as headlines, and they make at least this share of its links.
MIN_HEADLINES, MIN_HEADLINE_SHARE = 3, 0.6

# --- who wrote it, where it comes from -----------------------------------------------

#: Labels of a byline (``作者：张三``, ``文/李四``, ``采写：记者王五``), before a separator.
AUTHOR_LABELS = ("本文作者", "作者", "作 者", "撰稿", "撰文", "采写", "采访", "文字", "文", "Author", "author")
#: Role words a byline names its people by, with or without a separator and after the outlet's
#: name (``光明日报记者 王建宏``, ``（总台记者 张倩）``, ``本报讯（记者叶婉）``).
REPORTER_WORDS = ("实习记者", "特约记者", "记者", "記者", "通讯员", "通訊員", "实习生")
#: Labels of the editor's line, best first: the 责任编辑 answers for the page.
EDITOR_LABELS = ("责任编辑", "責任編輯", "责编", "責編", "值班编辑", "本版编辑", "编辑", "編輯")
#: Labels of the line naming the outlet a reprint comes from (``来源：新华网``, ``转自《北京科技报》``).
SOURCE_LABELS = ("稿件来源", "信息来源", "文章来源", "本文来源于", "本文来源", "新闻来源", "消息来源", "内容来源", "来源于", "来源", "來源",
                 "本文转自", "转载自", "转自", "稿源", "出处")
#: What a source line may say that names no outlet: "reprinted", "unknown", "the internet", "this site".
NOT_AN_OUTLET = ("转载", "转载文章", "转帖", "未知", "不详", "佚名", "互联网", "网络", "网友", "本站", "本网", "原创", "本站原创", "本网原创",
                 "网络转载", "网友投稿", "admin", "未知来源")
#: A line giving the newspaper and issue a text first appeared in: "《光明日报》（ 2022年02月13日 02版）".
PAPER_ISSUE_LINE = re.compile(r"^《([^》]{2,20})》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[^)）]{0,12}版\s*[)）]$")
#: Words that are never a person's name where a name is expected: "（完）", "(待续)", a role, a place of reporting.
NOT_A_NAME = ("完", "全文完", "本文完", "待续", "未完待续", "未完", "续", "图", "摄", "供图", "编辑", "责编", "记者", "通讯员", "本报", "本刊",
              "校对", "审核", "来源", "作者", "报道", "综合", "整理", "编译", "原标题", "资料图", "受访者供图", "网络图片",
              "博客", "调查", "观察", "手记", "专访", "团队", "联系", "信箱", "站",
              # No name given (DedeCMS's default author), and the CMS's default login.
              "佚名", "匿名", "不详", "未知", "admin", "Admin", "Administrator")
#: Endings of an organisation's or outlet's name, which a person's name of two to four characters does not have.
ORGANISATION_ENDINGS = ("社", "报", "網", "网", "台", "刊", "部", "局", "院", "所", "会", "委", "办", "厅", "中心", "公司", "集团", "频道", "栏目")

#: Labels of a visible "last changed" date (``更新时间：2025-03-02``); a date followed by ``更新``
#: (``2005-01-06 08:13更新``) counts too. ``发布`` dates are publication dates, never these.
MODIFIED_LABELS = ("最后更新时间", "最后更新", "最后修改", "更新时间", "更新日期", "更新於", "更新于", "修改时间", "修改日期", "修订时间",
                   "Last updated", "Last modified", "Updated")

#: Meta tags and JSON-LD keys of the page's head, best first, for each field.
AUTHOR_META = ("author", "article:author", "byline", "dc.creator", "DC.creator", "parsely-author", "sailthru.author")
SOURCE_META = ("source", "contentsource", "ContentSource")
MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "dcterms.modified", "DC.date.modified", "modified")
DESCRIPTION_META = ("description", "og:description", "twitter:description", "Description", "dc.description")
KEYWORDS_META = ("keywords", "news_keywords", "Keywords", "article:tag")
#: The page's declared lead image, taken when its body shows none.
IMAGE_META = ("og:image", "og:image:url", "twitter:image", "twitter:image:src", "image")
#: Links to the page's own tags (WordPress ``rel="tag"``, themes' tag lists).
TAG_LINK_SELECTORS = ("a[rel~='tag']", ".post-tags a", ".tags-links a", ".article-tags a", ".entry-tags a", ".tag-links a")

#: Class, id, alt or file words of images that are page furniture, not the article's pictures.
FURNITURE_IMAGE_PATTERN = (r"logo|icon|avatar|qrcode|qr_?code|erweima|二维码|spacer|blank\.|pixel|loading|emoji|smiley|"
                           r"/face/|share|weixin|wechat|arrow|button|btn|banner|gotop|clear\.gif|dot\.gif")
#: An image declared this small (pixels, either side) is an icon or a tracking pixel.
MIN_IMAGE_SIDE = 50
#: Words a caption line under an image opens with (``图为...``, ``图片来源：``, ``▲...``), or ends with (``...摄``).
CAPTION_OPENERS = ("图为", "圖為", "图：", "图:", "图/", "图片：", "图片:", "图片来源", "圖片來源", "图源", "圖源", "资料图", "資料圖", "上图",
                   "下图", "左图", "右图", "▲", "△", "↑", "（图", "(图")
#: A numbered figure's or table's caption: ``图2：治疗前后主要指标变化``, ``表1 研究对象特征``, ``Figure 3.``.
CAPTION_NUMBERED = re.compile(r"^(?:[图圖表]\s*\d{1,3}|(?:Fig\.?|Figure|Table)\s*\d{1,3})\s*[:：.、\s]")
CAPTION_ENDINGS = ("摄", "攝", "供图", "供圖", "摄）", "摄)", "供图）", "供图)")
#: A caption is one short line.
MAX_CAPTION_CHARS = 120
