"""Rules of the portal family, as data.

Everything that names a label, a prefix or a CSS hook of the sites we crawl
lives here, so that supporting another wording means adding a table entry, not
editing a spider. Both Simplified and Traditional spellings are listed.
"""

import re

#: Words that label the link to the previous / next article. Order does not
#: matter; matching is on the text around a link, never on one site's class.
PREV_LABELS = ("上一篇", "上一条", "上一則", "上一条新闻", "上篇", "前一篇", "上一頁文章", "上一篇文章")
NEXT_LABELS = ("下一篇", "下一条", "下一則", "下一条新闻", "下篇", "后一篇", "後一篇", "下一篇文章")

#: Text that means "there is no article in this direction" (DedeCMS prints
#: ``下一篇:没有了``).
CHAIN_END_MARKERS = ("没有了", "沒有了", "无", "無", "暂无", "暫無", "已是最后一篇", "已是第一篇", "已经是最后一篇", "已经是第一篇", "已经是最后一篇了", "已经是第一篇了")

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
DATE_LINE_PREFIXES = ("发布时间", "發布時間", "發佈時間", "發佈日期", "发布時間", "发布日期", "發布日期", "发表时间", "發表時間", "发表日期", "时间", "時間", "日期", "发布于", "發佈於", "发布")

#: Meta tags and JSON-LD keys that carry the publication date, best first.
DATE_META_PROPERTIES = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "datePublished",
    "pubdate",
    "publishdate",
    "PubDate",
)

#: Headings that open the reference list.
REFERENCE_HEADINGS = ("参考资料", "參考資料", "参考文献", "參考文獻", "参考来源", "參考來源", "文献来源", "文獻來源", "References", "REFERENCES", "Reference")

#: Words that open the site's disclaimer paragraph.
DISCLAIMER_MARKERS = ("免责说明", "免责声明", "免責聲明", "免責說明", "版权声明", "版權聲明", "特别声明", "特別聲明")

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

#: Title locations, best first.
TITLE_SELECTORS = (
    "h1.entry-title",
    "h1.post-title",
    "h1.article-title",
    ".article-title h1",
    ".title h1",
    "article h1",
    "h1",
    ".title h2",
    "article h2",
    "h2",
)

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

#: Lines that are site chrome when they stand alone in the body text.
BOILERPLATE_LINES = (
    re.compile(r"^即时推送国内外干细胞临床医学资讯"),
    re.compile(r"^(公司地址|联系我们|官方热线|责任编辑|來源|来源|作者|编辑|相关阅读|相关文章|最新文章|热门文章|标签|分享到)\s*[:：]?"),
)

#: Query parameters that only track where a visitor came from.
TRACKING_PARAMETERS = re.compile(r"^(utm_[a-z_]+|spm|from|fbclid|gclid|yclid|mc_[a-z]+|share_token|scene|isappinstalled|wechat_redirect|_hsenc|_hsmi)$", re.I)

#: Paths that are listings, tag pages or site furniture, never articles.
NON_ARTICLE_PATHS = re.compile(r"(^/$|/(tag|tags|category|author|page|search|feed|wp-admin|wp-json|wp-content)(/|$)|/list[_-]\d+|/index(_\d+)?\.html?$)", re.I)

#: Text that marks a "page not found" page served with status 200.
SOFT_404_MARKERS = ("页面不存在", "頁面不存在", "页面未找到", "您访问的页面不存在", "404 Not Found", "文章不存在或已被删除")

# --- discovery: sitemaps and listings ------------------------------------------

#: Where sites keep a sitemap when robots.txt names none (WordPress core, common plugins).
SITEMAP_PATHS = ("/sitemap.xml", "/wp-sitemap.xml", "/sitemap_index.xml")

#: Article URLs as the portal family writes them: a numeric id ending the path
#: (``/sc/zhiliao/59017.html``, ``/a/yixue/1234.html``) or a WordPress ``?p=`` shortlink.
ARTICLE_URL = re.compile(r"(/\d+\.s?html?$)|([?&]p=\d+(&|$))", re.I)

#: Containers of a site's main menu, whose links lead to the category listings.
MENU_SELECTORS = ("nav", ".menu", "#navMenu", ".nav", "#nav", ".main-navigation")

#: Text of the link to a listing's next page.
NEXT_PAGE_LABELS = ("下一页", "下一頁", "下页", "下頁", "后页", "後頁", "›", "»", "next", "Next")

#: URL shapes of a listing's later pages.
PAGINATION_URL = re.compile(r"(/page/\d+/?$)|(/list_\d+_\d+\.html?$)|([?&](page|paged|pn)=\d+)", re.I)
