"""Word tables the corpus generator draws from.

Pure data: topics (each with its own disease words, so marker words such as
哮喘, 肺, 外泌体 and 骨关节炎 appear in some articles and not in others),
journals, author names, disclaimer wordings and a small Simplified→Traditional
character map for the Traditional pages of site B.
"""

#: Each topic keeps its own vocabulary. Generic sentences elsewhere avoid the
#: marker words, so whether an article contains 肺 or 外泌体 is decided here.
TOPICS = {
    "asthma": {
        "disease": "哮喘与慢性阻塞性肺疾病(COPD)",
        "short": "哮喘/COPD",
        "cells": ("人脐带间充质干细胞来源外泌体(hUCMSC-Exo)", "雾化吸入外泌体"),
        "metrics": ("第一秒用力呼气容积(FEV1)", "用力肺活量(FVC)", "FEV1/FVC比值"),
        "latin": ("COPD", "FEV1", "hUCMSC-Exo", "miR-146a", "IL-13"),
        "mechanism": "外泌体携带的miR-146a等分子可下调气道中的Th2型炎症,促进受损肺泡上皮修复",
        "en": "nebulized mesenchymal stem cell-derived exosomes for asthma and COPD",
    },
    "oa": {
        "disease": "膝骨关节炎",
        "short": "骨关节炎",
        "cells": ("脂肪来源间充质干细胞(AD-MSCs)", "关节腔注射间充质干细胞"),
        "metrics": ("WOMAC评分", "VAS疼痛评分", "MRI软骨体积"),
        "latin": ("WOMAC", "VAS", "MRI", "AD-MSCs"),
        "mechanism": "干细胞分泌的TGF-β与IGF-1可抑制软骨细胞凋亡,减轻滑膜炎症",
        "en": "intra-articular adipose-derived stem cells in knee osteoarthritis",
    },
    "stroke": {
        "disease": "缺血性脑卒中",
        "short": "脑卒中",
        "cells": ("脐带间充质干细胞(UC-MSCs)", "静脉输注骨髓间充质干细胞"),
        "metrics": ("NIHSS评分", "改良Rankin量表(mRS)", "Barthel指数"),
        "latin": ("NIHSS", "mRS", "UC-MSCs", "BDNF"),
        "mechanism": "干细胞通过旁分泌BDNF、VEGF等营养因子促进神经血管单元重建",
        "en": "intravenous umbilical cord mesenchymal stromal cells after ischemic stroke",
    },
    "diabetes": {
        "disease": "2型糖尿病",
        "short": "糖尿病",
        "cells": ("脐带间充质干细胞", "胰岛样细胞移植"),
        "metrics": ("糖化血红蛋白(HbA1c)", "C肽水平", "每日胰岛素用量"),
        "latin": ("HbA1c", "HOMA-IR", "C-peptide"),
        "mechanism": "干细胞可改善胰岛微环境,降低胰岛素抵抗并保护残存β细胞",
        "en": "umbilical cord mesenchymal stem cells in type 2 diabetes",
    },
    "skin": {
        "disease": "中重度银屑病",
        "short": "银屑病",
        "cells": ("间充质干细胞", "干细胞条件培养基"),
        "metrics": ("PASI评分", "DLQI生活质量指数", "皮损面积"),
        "latin": ("PASI", "DLQI", "IL-17A", "Treg"),
        "mechanism": "干细胞可抑制Th17细胞活化并诱导调节性T细胞(Treg)生成",
        "en": "mesenchymal stem cells for moderate-to-severe psoriasis",
    },
    "ipf": {
        "disease": "特发性肺纤维化",
        "short": "肺纤维化",
        "cells": ("人胚胎干细胞来源的M细胞", "肺干细胞移植"),
        "metrics": ("一氧化碳弥散量(DLCO)", "6分钟步行距离", "高分辨率CT评分"),
        "latin": ("DLCO", "HRCT", "IPF", "TGF-β1"),
        "mechanism": "移植细胞可抑制成纤维细胞过度活化,减少胶原沉积并重建肺泡结构",
        "en": "stem cell transplantation in idiopathic pulmonary fibrosis",
    },
    "liver": {
        "disease": "失代偿期肝硬化",
        "short": "肝硬化",
        "cells": ("脐带间充质干细胞", "经肝动脉输注干细胞"),
        "metrics": ("MELD评分", "白蛋白水平", "Child-Pugh分级"),
        "latin": ("MELD", "ALT", "Child-Pugh"),
        "mechanism": "干细胞可抑制肝星状细胞活化,促进肝细胞再生",
        "en": "mesenchymal stem cell infusion in decompensated cirrhosis",
    },
    "policy": {
        "disease": "细胞治疗产品",
        "short": "细胞治疗",
        "cells": ("干细胞临床研究", "免疫细胞治疗产品"),
        "metrics": ("临床试验默示许可", "备案项目数量", "质量标准"),
        "latin": ("NMPA", "IND", "GMP", "CDE"),
        "mechanism": "新规明确了细胞制剂从采集、制备到放行检验的全过程质量要求",
        "en": "regulation of cell therapy products in China",
    },
}

#: Category per topic for site A (policy news lives under /zixun/).
WP_CATEGORIES = {
    "zhiliao": ("sc", "干细胞治疗"),
    "yizhi": ("sc", "干细胞移植"),
    "mscs": ("sc", "间充质干细胞"),
    "zhengce": ("zixun", "政策资讯"),
}
DEDE_CATEGORIES = {"yixue": "医学研究", "ganxibao": "干细胞研究", "zhengce": "政策法规"}

TITLE_SHAPES = (
    "每周一次、{w}周见效,{cell}治疗{short}临床研究获成功",
    "{short}治疗新选择?{cell}Ⅰ/Ⅱ期研究结果公布:临床显示安全有效",
    "《{journal}》重磅:{cell}显著改善{short}患者{metric}",
    "{n}例患者随访{w}个月!{cell}治疗{disease}的疗效与安全性",
    "从作用机制到临床研究进展:{cell}在{disease}中的应用",
    "{disease}患者的福音?{cell}最新临床数据解读",
    "{name}团队:{cell}治疗{short}{w}年随访结果",
)
POLICY_TITLES = (
    "国家药监局发布《{short}产品药学研究与评价技术指导原则》",
    "{year}年第{w}批干细胞临床研究备案项目公布,涉及{n}家机构",
    "{name}:解读细胞治疗监管新规对行业的{w}点影响",
)
QUESTIONS = (
    "那么,什么是{cell}疗法?它与传统疗法相比有哪些优势?",
    "这项研究是怎么做的?主要评估的指标是什么?",
    "为何{cell}在{disease}治疗中具有潜力?",
    "{cell}在分子层面是如何发挥作用的?",
    "关于治疗的安全性,研究提供了哪些证据?",
    "研究结果意味着什么?还有哪些问题有待解决?",
)
JOURNALS = ("Stem Cell Res Ther", "SAGE Open Med Case Rep", "Cell Stem Cell", "Lancet", "Nature Medicine",
            "Signal Transduct Target Ther", "Stem Cells Transl Med", "中华医学杂志", "中国组织工程研究")
CN_JOURNALS = ("中华医学杂志", "中国组织工程研究", "天津医药", "中国生物制品学杂志", "中华结核和呼吸杂志")
SURNAMES = ("Wang", "Li", "Zhang", "Chen", "Liu", "Yusof", "Foo", "Smith", "Tanaka", "Kim", "Garcia", "Müller")
CN_NAMES = ("王喆", "李堃", "朱镕", "张伟", "陈静", "刘洋", "赵敏", "黄磊")
SOURCES = ("细胞资讯网", "新华网", "医脉通", "健康报", "本站原创")
AUTHORS = ("编辑部", "小细", "admin", "佚名")
#: What no outlet or author is: the site's own work, no name given ("anonymous"), the CMS's
#: default login, a desk rather than a person.
NOT_AN_OUTLET = ("本站原创",)
NOT_AN_AUTHOR = ("佚名", "admin", "编辑部")
#: Where a reprint's 来源 line links its original, by outlet ({} is the article's id).
SOURCE_LINKS = {"健康报": "http://www.jkb.com.cn/news/industryNews/2026/{}.html", "医脉通": "https://news.medlive.cn/all/info-news/show-{}_97.html"}
#: The outlets WordPress reprints name, with the original's URL ({} is the post id) or None; a
#: PHPCMS outlet's URL carries a query, whose ``&`` the page writes as ``&amp;``.
WP_REPRINTED_FROM = (("新华网", "http://www.news.cn/health/2026/{}.htm"),
                     ("健康时报", "http://www.jksb.com.cn/index.php?m=content&c=index&a=show&catid=12&id={}"), ("人民网", None))
#: The WordPress user shown in each post's byline.
WP_AUTHOR = ("小细", "xiaoxi")
EDITORS = ("王芳", "李静", "陈晨")

WP_DISCLAIMERS = (
    "免责说明:本文仅用于传播科普知识,分享行业观点,不构成任何临床诊断建议!杭吉干细胞所发布的信息不能替代医生或药剂师的专业建议。如有版权等疑问,请随时联系我。",
    "免责声明：本文仅供学术交流与科普参考,不构成任何医疗建议,具体诊疗请咨询专业医生。",
)
DEDE_DISCLAIMERS = (
    "免责声明：本站部分内容来自网络,仅供参考,不构成诊疗建议。如有侵权请联系删除。",
    "版权声明：本文系转载,版权归原作者所有,文中观点不代表本站立场,仅供学习交流。",
    "特别声明：本文内容仅供科普,不能替代执业医师的诊断与治疗。",
)
TRAD_DISCLAIMER = "免責聲明：本站部分內容來自網絡,僅供參考,不構成診療建議。如有侵權請聯繫刪除。"

#: Simplified→Traditional for the characters the generator uses most. Real
#: mirror sites convert with fuller tables; partial coverage is still realistic.
_S = ("干细疗临发间质脐带来体对于为这项显结关节脑统据数验试组评级后与药监国务报说声责参献资时页网仅学习术观点诊断议医师专业权问题联应开规范准标严产审册进现实种类导动调损伤复纤维长访无异优势传单剂输静脉经过个岁龄阶难满总积极认将们从论尽虽扩样证确获选择区层视变转换气雾给递双队团员领编辑击处启码称简历压软缓较险肤银计显")
_T = ("幹細療臨發間質臍帶來體對於為這項顯結關節腦統據數驗試組評級後與藥監國務報說聲責參獻資時頁網僅學習術觀點診斷議醫師專業權問題聯應開規範準標嚴產審冊進現實種類導動調損傷復纖維長訪無異優勢傳單劑輸靜脈經過個歲齡階難滿總積極認將們從論盡雖擴樣證確獲選擇區層視變轉換氣霧給遞雙隊團員領編輯擊處啟碼稱簡歷壓軟緩較險膚銀計顯")
assert len(_S) == len(_T), (len(_S), len(_T))
S2T = str.maketrans(_S, _T)
