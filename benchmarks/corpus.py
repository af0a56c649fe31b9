"""A seeded synthetic corpus of Chinese clue/case records for tests and benchmarks.

Texts are 300–2,000 characters drawn from a Zipf-like vocabulary of discipline-inspection
words, with person names that contain each other (张伟 / 张伟华 / 李张伟), phrases whose
parts also occur apart (扶贫资金 vs 扶贫 … 资金), two-character terms, Latin letters and
digits. The same seed gives the same corpus.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红文辉力兵春玲志德福海林波宁俊鹏飞斌宇浩凯健云峰"

WORDS = (
    "村委会 村支书 村主任 会计 出纳 报账员 村民小组长 街道 社区 集体 资金 资产 资源 工程 项目 合同 "
    "扶贫 补贴 低保 危房 改造 征地 拆迁 补偿 款项 发放 截留 挪用 侵占 虚报 冒领 套取 私分 索贿 "
    "受贿 吃拿卡要 优亲厚友 违规 收费 插手 不作为 乱作为 群众 反映 举报 信访 核实 谈话 函询 初步 "
    "线索 立案 审查 调查 审理 处分 警告 严重警告 撤销 职务 留党察看 开除 党籍 诫勉 批评 教育 "
    "责令 检查 退赔 追缴 挽回 损失 经济 合作社 土地 流转 租金 承包 鱼塘 山林 厂房 道路 硬化 "
    "水利 设施 采购 招标 围标 串标 验收 结算 审计 账目 凭证 报销 发票 公款 吃喝 旅游 礼金 "
    "人情 往来 宗族 势力 黑恶 换届 选举 拉票 贿选 公开 三务 党务 村务 财务 民主 理财 监督 "
    "委员会 会议 决策 四议两公开 整改 销号 台账 通报 曝光 作风 衙门 服务 群众 满意度 办事 "
    "拖延 推诿 刁难 冷硬横推 政策 落实 到位 惠农 专项 治理 问题 情况 经查 属实 部分 反映人 "
    "被反映人 相关 规定 程序 手续 审批 签字 公章 票据 金额 元 万元 年 月 日 期间 负责 管理 "
    "使用 保管 存在 未经 擅自 多次 长期 共计 其中 用于 个人 家庭 亲属 朋友 公司 老板 工人"
).split()
PHRASES = [
    "扶贫资金",
    "低保金",
    "危房改造补贴",
    "征地补偿款",
    "集体资产",
    "工程款",
    "惠农补贴",
    "土地流转费",
    "退耕还林补助",
    "养老保险金",
    "农机购置补贴",
    "村级小微工程",
]
UNIT_SUFFIX = ["村委会", "村民委员会", "居委会", "经济合作社", "街道办事处", "卫生院", "中心小学"]
CATEGORIES = ["political", "organization", "integrity", "mass", "work", "life"]
SOURCES = ["petition", "assigned", "inspection", "audit", "supervision", "committee", "other"]
STAGES = ["registered", "verifying", "investigating", "reviewing", "closed"]
PUNCT = "，。；、：！"


def person_names(rng: random.Random, n: int) -> list[str]:
    """Names, a share of which are prefixes/infixes of others (张伟 in 张伟华 and 李张伟)."""
    names: list[str] = []
    while len(names) < n:
        s = rng.choice(SURNAMES)
        base = s + rng.choice(GIVEN)
        names.append(base)
        if rng.random() < 0.5:
            names.append(base + rng.choice(GIVEN))
        if rng.random() < 0.2:
            names.append(rng.choice(SURNAMES) + base)
    return names[:n]


FILLER_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点"
    "从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原"
    "又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革"
    "位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区"
)


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    """Domain words and phrases among ``size`` made-up words of 2–4 characters."""
    words = set()
    while len(words) < size:
        words.add("".join(rng.choices(FILLER_CHARS, k=rng.choice((2, 2, 2, 3, 3, 4)))))
    vocab = sorted(words)
    rng.shuffle(vocab)
    # Domain words at ranks spread over the head and the middle of the Zipf curve.
    for word in WORDS + PHRASES:
        vocab.insert(rng.randrange(min(len(vocab), 3000)), word)
    return vocab


class Corpus:
    def __init__(self, seed: int = 42, n_names: int = 3000, vocabulary: int = 20000):
        self.rng = random.Random(seed)
        self.names = person_names(self.rng, n_names)
        self.vocab = make_vocabulary(self.rng, vocabulary)
        # Zipf-like weights: 1/rank.
        total = 0.0
        self.cum = []
        for i in range(len(self.vocab)):
            total += 1.0 / (i + 1)
            self.cum.append(total)

    def sentence(self) -> str:
        rng = self.rng
        k = rng.randint(4, 12)
        words = rng.choices(self.vocab, cum_weights=self.cum, k=k)
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words) + 1), rng.choice(self.names))
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words) + 1), str(rng.randint(1, 99999)))
        if rng.random() < 0.03:
            words.insert(rng.randrange(len(words) + 1), rng.choice(["A级", "PPP", "12388", "QQ群"]))
        return "".join(words) + rng.choice(PUNCT)

    def text(self, lo: int = 300, hi: int = 2000) -> str:
        target = self.rng.randint(lo, hi)
        parts = []
        n = 0
        while n < target:
            s = self.sentence()
            parts.append(s)
            n += len(s)
        return "".join(parts)

    def record(
        self,
        i: int,
        orgs: list[tuple[int, int | None, int | None]],
        lo: int = 300,
        hi: int = 2000,
        record_type: str | None = None,
    ) -> dict:
        """One document in the builders' format. ``orgs``: (org_id, district_id, street_id)."""
        rng = self.rng
        org_id, district_id, street_id = rng.choice(orgs)
        persons = rng.sample(self.names, rng.randint(1, 3))
        text = self.text(lo, hi)
        # Put the persons into the text too, as a report would.
        cut = rng.randrange(len(text))
        text = text[:cut] + "被反映人" + "、".join(persons) + "。" + text[cut:]
        date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 10))
        title = (
            "关于"
            + persons[0]
            + rng.choice(["违规", "涉嫌", "侵占", "截留"])
            + rng.choice([*PHRASES, "工程", "资金", "补贴"])
            + "问题"
        )
        return {
            "type": record_type or ("case" if rng.random() < 0.3 else "clue"),
            "id": i,
            "number": f"XS{date.year}{i:06d}",
            "title": title,
            "text": text,
            "persons": persons,
            "units": [rng.choice(self.names)[:1] + rng.choice(UNIT_SUFFIX)],
            "org_id": org_id,
            "district_id": district_id,
            "street_id": street_id,
            "category": rng.sample(CATEGORIES, rng.randint(1, 2)),
            "source": rng.choice(SOURCES),
            "stage": rng.choice(STAGES),
            "date": date,
            "year": date.year,
            "amount": decimal.Decimal(rng.randint(0, 2_000_000)) / 100
            if rng.random() < 0.8
            else None,
        }


def synthetic_orgs(districts: int = 13, streets: int = 8, villages: int = 12, start: int = 1):
    """(org_id, district_id, street_id) of grassroots units in a made-up tree."""
    out = []
    next_id = start
    for _d in range(districts):
        d = next_id
        next_id += 1
        for _s in range(streets):
            s = next_id
            next_id += 1
            for _v in range(villages):
                out.append((next_id, d, s))
                next_id += 1
    return out


# The query set of the benchmark and the recall tests: names inside names, phrases whose
# parts occur apart, two-character terms, single characters, Latin, operators.
QUERIES = [
    "扶贫资金",
    "低保金",
    "危房改造补贴",
    "征地补偿款",
    "集体资产",
    "工程款",
    "惠农补贴",
    "土地流转费",
    "村委会",
    "会计",
    "截留",
    "挪用",
    "虚报冒领",
    "优亲厚友",
    "吃拿卡要",
    "公款吃喝",
    "围标",
    "串标",
    "留党察看",
    "严重警告",
    "四议两公开",
    "冷硬横推",
    "PPP",
    "12388",
    "A级",
    "资金",
    "补贴",
    "工程",
    '"扶贫资金"',
    "扶贫 资金",
    "截留 OR 挪用",
    "资金 -扶贫",
    "村级小微工程",
    "退耕还林补助",
]
