"""The screening benchmark's own vocabulary: legal forms, abbreviations, generic words, Chinese
places and terms, brand words, companies and person names, used by ``screening_devset`` to make
variants and negatives. Kept apart from the matcher's tables on purpose: the development set
must not grade the matcher by its own tables."""

# ruff: noqa: SIM905  (word lists are written as split strings, one culture a line)
from __future__ import annotations

# Equivalent spellings of one legal form; a variant swaps one for another of the same group.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("Co., Ltd.", "Company Limited", "Co Ltd", "Co., Limited", "Company Ltd."),
    ("Limited Liability Company", "LLC", "L.L.C."),
    ("Pvt. Ltd.", "Private Limited", "Pvt Ltd"),
    ("Pte. Ltd.", "Pte Ltd", "Private Limited"),
    ("Sdn. Bhd.", "Sdn Bhd"),
    ("Public Joint Stock Company", "PJSC", "PAO"),
    ("Open Joint Stock Company", "OJSC", "OAO"),
    ("Closed Joint Stock Company", "CJSC", "ZAO"),
    ("Joint Stock Company", "JSC", "AO"),
    ("OOO", "LLC", "O.O.O."),
    ("GmbH", "G.m.b.H."),
    ("Public Limited Company", "PLC", "P.L.C."),
    ("Limited Liability Partnership", "LLP"),
    ("S.A. de C.V.", "SA de CV"),
    ("Incorporated", "Inc.", "Inc"),
    ("Corporation", "Corp.", "Corp"),
    ("Limited", "Ltd.", "Ltd"),
    ("S.A.", "SA"),
    ("S.R.L.", "SRL"),
    ("Company", "Co."),
)
PLACES_GENERIC = frozenset(
    """
    china chinese beijing shanghai shenzhen guangzhou hong kong tianjin chongqing hangzhou
    nanjing wuhan chengdu xian harbin dalian shenyang changsha zhengzhou jinan qingdao xiamen
    fuzhou hefei kunming suzhou wuxi ningbo dongguan foshan zhuhai changchun taiyuan
    shijiazhuang nanchang guiyang lanzhou urumqi xinjiang guangdong jiangsu zhejiang sichuan
    hubei hunan shandong henan hebei shaanxi shanxi fujian anhui jiangxi yunnan guizhou
    liaoning jilin heilongjiang gansu hainan iran iranian russia russian syria syrian iraq
    korea korean dprk pakistan uae dubai emirates turkey lebanon afghanistan america american
    usa us europe european asia asian pacific middle east west north south eastern western
    northern southern central moscow tehran sanctuary gulf
    """.split()
)
PARTICLES = frozenset("al el bin ibn abu abd abdul bint van von der den da di dos das".split())

CITIES_ZH: dict[str, str] = {
    "beijing": "北京", "shanghai": "上海", "tianjin": "天津", "chongqing": "重庆",
    "shenzhen": "深圳", "guangzhou": "广州", "hangzhou": "杭州", "nanjing": "南京",
    "wuhan": "武汉", "chengdu": "成都", "xian": "西安", "harbin": "哈尔滨", "dalian": "大连",
    "shenyang": "沈阳", "changsha": "长沙", "zhengzhou": "郑州", "jinan": "济南",
    "qingdao": "青岛", "xiamen": "厦门", "fuzhou": "福州", "hefei": "合肥", "kunming": "昆明",
    "suzhou": "苏州", "wuxi": "无锡", "ningbo": "宁波", "dongguan": "东莞", "foshan": "佛山",
    "zhuhai": "珠海", "changchun": "长春", "taiyuan": "太原", "shijiazhuang": "石家庄",
    "nanchang": "南昌", "guiyang": "贵阳", "lanzhou": "兰州", "urumqi": "乌鲁木齐",
    "xinjiang": "新疆", "guangdong": "广东", "jiangsu": "江苏", "zhejiang": "浙江",
    "sichuan": "四川", "hubei": "湖北", "hunan": "湖南", "shandong": "山东", "henan": "河南",
    "hebei": "河北", "shaanxi": "陕西", "shanxi": "山西", "fujian": "福建", "anhui": "安徽",
    "jiangxi": "江西", "yunnan": "云南", "guizhou": "贵州", "liaoning": "辽宁", "jilin": "吉林",
    "heilongjiang": "黑龙江", "gansu": "甘肃", "hainan": "海南", "mianyang": "绵阳",
    "luoyang": "洛阳", "changzhou": "常州", "nantong": "南通", "wenzhou": "温州",
    "shaoxing": "绍兴", "jiaxing": "嘉兴", "yantai": "烟台", "weifang": "潍坊",
    "baoding": "保定", "zhuzhou": "株洲", "xiangtan": "湘潭", "huizhou": "惠州",
}  # fmt: skip

# English words and phrases of Chinese organisation names → their usual Chinese.
GENERIC_ZH: dict[str, str] = {
    "science and technology": "科技", "science technology": "科技", "sci tech": "科技",
    "import and export": "进出口", "import export": "进出口", "co ltd": "有限公司",
    "company limited": "有限公司", "co limited": "有限公司", "company ltd": "有限公司",
    "limited liability company": "有限责任公司", "research institute": "研究所",
    "public security bureau": "公安局", "hong kong": "香港", "technology": "技术",
    "technologies": "技术", "tech": "科技", "electronics": "电子", "electronic": "电子",
    "electric": "电气", "electrical": "电气", "machinery": "机械", "equipment": "设备",
    "industry": "工业", "industries": "工业", "industrial": "实业", "group": "集团",
    "international": "国际", "trading": "贸易", "trade": "贸易", "development": "发展",
    "engineering": "工程", "research": "研究", "institute": "研究所", "university": "大学",
    "materials": "材料", "material": "材料", "communication": "通信",
    "communications": "通信", "information": "信息", "software": "软件", "network": "网络",
    "optical": "光学", "optoelectronic": "光电", "optoelectronics": "光电",
    "precision": "精密", "instrument": "仪器", "instruments": "仪器", "chemical": "化工",
    "new": "新", "energy": "能源", "aviation": "航空", "aerospace": "航天", "power": "电力",
    "intelligent": "智能", "digital": "数字", "semiconductor": "半导体",
    "microelectronics": "微电子", "manufacturing": "制造", "holdings": "控股",
    "holding": "控股", "investment": "投资", "logistics": "物流", "shipping": "航运",
    "automation": "自动化", "control": "控制", "systems": "系统", "system": "系统",
    "measurement": "测量", "computer": "计算机", "security": "安全", "china": "中国",
    "shipbuilding": "船舶", "company": "公司", "corporation": "公司", "co": "公司",
    "limited": "有限公司", "ltd": "有限公司", "and": "", "of": "", "the": "",
    "municipal": "市", "municipality": "市", "bureau": "局", "academy": "研究院",
    "laser": "激光", "photonics": "光子", "semiconductors": "半导体", "solar": "太阳能",
    # generic words of names listed in pinyin ("ZHONGGUO JINGMI JIXIE JINCHUKOU ZONGGONGSI")
    "zhongguo": "中国", "gongsi": "公司", "zonggongsi": "总公司", "youxian": "有限",
    "jituan": "集团", "keji": "科技", "jishu": "技术", "dianzi": "电子", "maoyi": "贸易",
    "jixie": "机械", "jinchukou": "进出口", "guoji": "国际", "gongye": "工业",
    "yanjiusuo": "研究所",
}  # fmt: skip

INDUSTRIES_ZH: tuple[tuple[str, str], ...] = (
    ("电子科技", "Electronic Technology"), ("机械制造", "Machinery Manufacturing"),
    ("化工", "Chemical"), ("纺织", "Textile"), ("食品", "Food"),
    ("医疗器械", "Medical Devices"), ("新材料", "New Materials"),
    ("环保科技", "Environmental Technology"), ("物流", "Logistics"), ("包装", "Packaging"),
    ("家具", "Furniture"), ("服装", "Garment"), ("建材", "Building Materials"),
    ("汽车配件", "Auto Parts"), ("光电", "Optoelectronics"), ("仪器仪表", "Instruments"),
    ("软件", "Software"), ("网络科技", "Network Technology"), ("生物科技", "Biotechnology"),
    ("贸易", "Trading"), ("陶瓷", "Ceramics"), ("塑料制品", "Plastic Products"),
    ("五金", "Hardware"), ("电器", "Electric Appliance"), ("农业科技", "Agricultural Technology"),
)  # fmt: skip

BRANDS_ZH: tuple[str, ...] = tuple(
    """
    明达 华星 金诚 瑞丰 恒泰 鼎盛 宏远 新元 天瑞 嘉禾 德润 博源 泰和 永信 安达 联创 盛世 锦程
    伟业 富康 祥和 隆基 顺发 兴邦 中和 春晖 华茂 金鹏 银河 翔宇 远洋 宝丰 汇通 凯旋 丰源 三和
    万通 东升 正泰 海天 蓝天 绿源 红日 金叶 银杏 松柏 梅花 兰亭 竹林 菊香 旭日 朝阳 晨光 星辰
    月明 云帆 雨林 雪峰 冰川 江南 湖畔 山水 田园 森林 凤凰 麒麟 龙腾 虎跃 鹏程 骏马 雄鹰 白鹭
    天鹅 孔雀 锦绣 辉煌 卓越 精诚 信达 诚信 仁和 义利 礼德 智远 聚力 合众 同心 共赢 众邦 创辉
    鑫源 淼森 晶华 钰泰 琦峰 璟辉 璞玉 珑翔 瑾瑜 瑶光
    """.split()
)

GENERIC_ONLY_WORDS: list[str] = [
    "Electronics", "Trading", "Technology", "Industrial", "Machinery", "Import & Export",
    "Equipment", "Materials", "Engineering", "Development", "Logistics", "Investment",
    "Communication", "Information", "Software", "Precision", "Energy", "Chemical",
    "Science and Technology", "Manufacturing", "Automation", "Optical", "Systems",
    "Services", "Network", "Instruments", "Supply", "Industry", "Products", "Holdings",
]  # fmt: skip

# Real words on no list (checked when used), to put in place of a listed distinctive word.
NEAR_MISS_WORDS: tuple[str, ...] = tuple(
    """
    Meridian Falcon Orchid Summit Horizon Cobalt Granite Juniper Aurora Sapphire Lantern Willow
    Maple Cedar Harbor Beacon Compass Emerald Crimson Ivory Onyx Topaz Quartz Marble Velvet
    Thistle Heather Lotus Magnolia Tulip Daisy Clover Fennel Saffron Nutmeg Pepper Ginger
    Walrus Otter Badger Heron Pelican Sparrow Robin Finch Kestrel Osprey Condor Panther Lynx
    Jaguar Cheetah Bison Moose Caribou Gazelle Zebra Koala Panda Dolphin Marlin Salmon Trout
    Glacier Canyon Prairie Meadow Valley Tundra Lagoon Reef Delta Ridge Boulder Pebble Dune
    Comet Nebula Quasar Pulsar Zenith Equinox Solstice Vertex Apex Pinnacle Keystone Anchor
    Harvest Tapestry Mosaic Prism Spectrum Cascade Rapids Tornado Monsoon Breeze Thunder
    Mingda Huaxing Jincheng Ruifeng Hengtai Dingsheng Hongyuan Tianrui Jiahe Derun Boyuan
    Yongxin Lianchuang Shengshi Jincheng Weiye Fukang Xianghe Shunfa Xingbang Chunhui
    Huamao Jinpeng Xiangyu Baofeng Kaixuan Fengyuan Wantong Dongsheng Zhengtai Haitian
    Lantian Lvyuan Hongri Jinye Songbai Meihua Lanting Zhulin Juxiang Xuri Chenguang
    """.split()
)

COMPANIES: tuple[str, ...] = tuple(
    line.strip()
    for line in """
    Siemens AG
    Toyota Motor Corporation
    BASF SE
    Sony Group Corporation
    Robert Bosch GmbH
    Nestle S.A.
    Unilever PLC
    Volkswagen AG
    Bayerische Motoren Werke AG
    Mercedes-Benz Group AG
    Allianz SE
    Deutsche Bank AG
    SAP SE
    Adidas AG
    Puma SE
    Henkel AG & Co. KGaA
    Beiersdorf AG
    Continental AG
    Linde plc
    Bayer AG
    Merck KGaA
    Fresenius SE & Co. KGaA
    Deutsche Post AG
    Lufthansa AG
    Infineon Technologies AG
    Zeiss Group
    Heidelberg Materials AG
    ThyssenKrupp AG
    Covestro AG
    Evonik Industries AG
    Nokia Oyj
    Ericsson AB
    Volvo AB
    IKEA of Sweden AB
    H&M Hennes & Mauritz AB
    Electrolux AB
    Novo Nordisk A/S
    Maersk A/S
    Carlsberg A/S
    LEGO A/S
    Philips N.V.
    ASML Holding N.V.
    Heineken N.V.
    Shell plc
    BP p.l.c.
    Unilever N.V.
    AstraZeneca PLC
    GlaxoSmithKline plc
    Rolls-Royce Holdings plc
    Vodafone Group Plc
    Barclays PLC
    HSBC Holdings plc
    Tesco PLC
    Diageo plc
    Rio Tinto plc
    Anglo American plc
    Reckitt Benckiser Group plc
    Burberry Group plc
    Marks and Spencer Group plc
    Sainsbury's Supermarkets Ltd
    TotalEnergies SE
    L'Oreal S.A.
    LVMH Moet Hennessy Louis Vuitton SE
    Danone S.A.
    Michelin SCA
    Renault S.A.
    Peugeot S.A.
    Orange S.A.
    Carrefour S.A.
    Schneider Electric SE
    Saint-Gobain S.A.
    Sanofi S.A.
    Air Liquide S.A.
    Pernod Ricard S.A.
    Hermes International S.A.
    Kering S.A.
    Capgemini SE
    Bouygues S.A.
    Vinci S.A.
    Veolia Environnement S.A.
    Eni S.p.A.
    Enel S.p.A.
    Ferrari N.V.
    Pirelli & C. S.p.A.
    Luxottica Group S.p.A.
    Barilla G. e R. Fratelli S.p.A.
    Ferrero SpA
    Telefonica S.A.
    Iberdrola S.A.
    Banco Santander S.A.
    Inditex S.A.
    Repsol S.A.
    Roche Holding AG
    Novartis AG
    ABB Ltd
    UBS Group AG
    Swatch Group AG
    Lindt & Spruengli AG
    Holcim Ltd
    Schindler Holding AG
    Logitech International S.A.
    Apple Inc.
    Microsoft Corporation
    Alphabet Inc.
    Amazon.com, Inc.
    Meta Platforms, Inc.
    Netflix, Inc.
    Tesla, Inc.
    Nvidia Corporation
    Intel Corporation
    Advanced Micro Devices, Inc.
    Qualcomm Incorporated
    Broadcom Inc.
    Texas Instruments Incorporated
    Oracle Corporation
    Cisco Systems, Inc.
    Adobe Inc.
    Salesforce, Inc.
    International Business Machines Corporation
    Hewlett Packard Enterprise Company
    Dell Technologies Inc.
    HP Inc.
    Procter & Gamble Company
    Johnson & Johnson
    Pfizer Inc.
    Merck & Co., Inc.
    Eli Lilly and Company
    AbbVie Inc.
    Bristol-Myers Squibb Company
    Amgen Inc.
    Gilead Sciences, Inc.
    Coca-Cola Company
    PepsiCo, Inc.
    McDonald's Corporation
    Starbucks Corporation
    Nike, Inc.
    Walmart Inc.
    Costco Wholesale Corporation
    Target Corporation
    Home Depot, Inc.
    Walt Disney Company
    Comcast Corporation
    Verizon Communications Inc.
    AT&T Inc.
    JPMorgan Chase & Co.
    Bank of America Corporation
    Wells Fargo & Company
    Citigroup Inc.
    Goldman Sachs Group, Inc.
    Morgan Stanley
    American Express Company
    Visa Inc.
    Mastercard Incorporated
    PayPal Holdings, Inc.
    Berkshire Hathaway Inc.
    Exxon Mobil Corporation
    Chevron Corporation
    ConocoPhillips
    Ford Motor Company
    General Motors Company
    Caterpillar Inc.
    Deere & Company
    3M Company
    Honeywell International Inc.
    Emerson Electric Co.
    Kimberly-Clark Corporation
    Colgate-Palmolive Company
    Mondelez International, Inc.
    Kraft Heinz Company
    General Mills, Inc.
    Kellogg Company
    Hershey Company
    Mars, Incorporated
    Cargill, Incorporated
    Dow Inc.
    DuPont de Nemours, Inc.
    Corning Incorporated
    Applied Materials, Inc.
    Lam Research Corporation
    KLA Corporation
    Micron Technology, Inc.
    Western Digital Corporation
    Seagate Technology Holdings plc
    Uber Technologies, Inc.
    Airbnb, Inc.
    Booking Holdings Inc.
    Expedia Group, Inc.
    eBay Inc.
    Zoom Video Communications, Inc.
    Shopify Inc.
    Royal Bank of Canada
    Toronto-Dominion Bank
    Magna International Inc.
    Bombardier Inc.
    Thomson Reuters Corporation
    BHP Group Limited
    Commonwealth Bank of Australia
    Woolworths Group Limited
    Telstra Group Limited
    Qantas Airways Limited
    Honda Motor Co., Ltd.
    Nissan Motor Co., Ltd.
    Panasonic Holdings Corporation
    Canon Inc.
    Nikon Corporation
    Olympus Corporation
    Fujifilm Holdings Corporation
    Sharp Corporation
    Toshiba Corporation
    Hitachi, Ltd.
    Yamaha Corporation
    Suzuki Motor Corporation
    Mazda Motor Corporation
    Bridgestone Corporation
    Shiseido Company, Limited
    Kao Corporation
    Uniqlo Co., Ltd.
    Fast Retailing Co., Ltd.
    Nintendo Co., Ltd.
    SoftBank Group Corp.
    Rakuten Group, Inc.
    Takeda Pharmaceutical Company Limited
    Astellas Pharma Inc.
    Asahi Group Holdings, Ltd.
    Kirin Holdings Company, Limited
    Suntory Holdings Limited
    Ajinomoto Co., Inc.
    Kikkoman Corporation
    Daikin Industries, Ltd.
    Murata Manufacturing Co., Ltd.
    Kyocera Corporation
    Omron Corporation
    Keyence Corporation
    Seiko Epson Corporation
    Casio Computer Co., Ltd.
    Brother Industries, Ltd.
    Ricoh Company, Ltd.
    Samsung Electronics Co., Ltd.
    LG Electronics Inc.
    Hyundai Motor Company
    Kia Corporation
    SK Hynix Inc.
    POSCO Holdings Inc.
    Lotte Corporation
    Naver Corporation
    Kakao Corp.
    Tata Consultancy Services Limited
    Infosys Limited
    Wipro Limited
    Reliance Industries Limited
    Mahindra & Mahindra Limited
    Bajaj Auto Limited
    Larsen & Toubro Limited
    Hindustan Unilever Limited
    Asian Paints Limited
    Tata Steel Limited
    Vale S.A.
    Petrobras S.A.
    Embraer S.A.
    Natura &Co Holding S.A.
    Grupo Bimbo S.A.B. de C.V.
    Cemex S.A.B. de C.V.
    America Movil S.A.B. de C.V.
    Fomento Economico Mexicano S.A.B. de C.V.
    Alibaba Group Holding Limited
    Tencent Holdings Limited
    Baidu, Inc.
    JD.com, Inc.
    Meituan
    NetEase, Inc.
    Xiaomi Corporation
    Lenovo Group Limited
    BYD Company Limited
    Geely Automobile Holdings Limited
    Haier Smart Home Co., Ltd.
    Midea Group Co., Ltd.
    Gree Electric Appliances, Inc. of Zhuhai
    Kweichow Moutai Co., Ltd.
    Wuliangye Yibin Co., Ltd.
    Ping An Insurance (Group) Company of China, Ltd.
    China Merchants Bank Co., Ltd.
    Industrial and Commercial Bank of China Limited
    Anta Sports Products Limited
    Li Ning Company Limited
    Tsingtao Brewery Company Limited
    Yili Industrial Group Co., Ltd.
    Mengniu Dairy Company Limited
    Contemporary Amperex Technology Co., Limited
    Foxconn Technology Group
    Taiwan Semiconductor Manufacturing Company Limited
    MediaTek Inc.
    Acer Incorporated
    ASUSTeK Computer Inc.
    Giant Manufacturing Co., Ltd.
    Singapore Airlines Limited
    DBS Group Holdings Ltd
    Emirates Airline
    Saudi Aramco
    Qatar Airways Company Q.C.S.C.
    Turkish Airlines Inc.
    Arcelik A.S.
    Koc Holding A.S.
    Anadolu Efes Biracilik ve Malt Sanayii A.S.
    Naspers Limited
    Sasol Limited
    MTN Group Limited
    Dangote Industries Limited
    Safaricom PLC
    Equinor ASA
    Norsk Hydro ASA
    Orkla ASA
    Kone Oyj
    Fiskars Oyj
    Stora Enso Oyj
    Wartsila Oyj
    CD Projekt S.A.
    PKN Orlen S.A.
    Skoda Auto a.s.
    OMV Aktiengesellschaft
    Red Bull GmbH
    Swarovski AG
    Erste Group Bank AG
    Raiffeisen Bank International AG
    Heraeus Holding GmbH
    Miele & Cie. KG
    Vorwerk SE & Co. KG
    Aldi Sued
    Lidl Stiftung & Co. KG
    Dr. Oetker KG
    Haribo GmbH & Co. KG
    Faber-Castell AG
    Stabilo International GmbH
    Festo SE & Co. KG
    Trumpf SE + Co. KG
    Kaercher SE & Co. KG
    Stihl AG & Co. KG
    Wuerth Group
    Knorr-Bremse AG
    Freudenberg SE
    """.strip().splitlines()
)

# (given names, surnames) of one naming culture each, for person negatives.
GIVEN_SURNAMES: tuple[tuple[list[str], list[str]], ...] = (
    ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
     "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Emily Oliver Grace Henry".split(),
     "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
     "Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen Wright".split()),
    ("Lukas Anna Leon Lena Felix Sophie Jonas Marie Paul Emma Maximilian Hannah Tobias Laura "
     "Florian Katharina Sebastian Julia".split(),
     "Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
     "Richter Klein Wolf Neumann Schwarz Zimmermann Braun Krueger Hartmann".split()),
    ("Jean Marie Pierre Sophie Louis Camille Antoine Chloe Nicolas Manon Julien Claire "
     "Mathieu Amelie Etienne Juliette".split(),
     "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
     "Lefebvre Michel Garcia Fournier Girard Bonnet Dupont Lambert".split()),
    ("Jose Maria Juan Carmen Antonio Lucia Manuel Isabel Francisco Elena Javier Pilar "
     "Alejandro Rosa Diego Marta".split(),
     "Garcia Fernandez Gonzalez Rodriguez Lopez Martinez Sanchez Perez Gomez Martin Jimenez "
     "Ruiz Hernandez Diaz Moreno Alvarez Romero Navarro Torres Dominguez".split()),
    ("Giuseppe Maria Giovanni Anna Antonio Francesca Mario Giulia Luigi Chiara Marco Sara "
     "Alessandro Valentina Matteo Elena".split(),
     "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
     "Conti DeLuca Mancini Costa Giordano Rizzo Lombardi Moretti".split()),
    ("Wei Fang Jing Lei Min Jun Yan Hui Ling Qiang Xiu Ping Tao Hong Yu Chen Jie Na Li Ming "
     "Xiaoming Jianguo Haiyan Zhiwei Yufei Xinyi Zihan Yuxuan".split(),
     "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo "
     "Zheng Liang Xie Song Tang".split()),
    ("Hiroshi Yuki Takashi Akiko Kenji Yoko Satoshi Keiko Makoto Naoko Daisuke Haruka "
     "Kazuki Emi Shota Aoi".split(),
     "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
     "Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Mori".split()),
    ("Min-jun Seo-yeon Ji-hoon Ha-eun Hyun-woo Ji-woo Sung-min Soo-ah Dong-hyun Yu-na".split(),
     "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon".split()),
    ("Aarav Priya Rahul Anjali Vikram Neha Arjun Pooja Rohan Kavya Sanjay Divya Amit Sneha "
     "Rajesh Meera".split(),
     "Sharma Verma Gupta Singh Kumar Patel Reddy Iyer Nair Mehta Joshi Chopra Malhotra Bose "
     "Das Rao Pillai Kapoor Agarwal Bhat".split()),
    ("Ivan Olga Dmitry Natalia Sergei Elena Alexei Tatiana Mikhail Irina Andrei Svetlana "
     "Nikolai Yulia Pavel Anastasia".split(),
     "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov "
     "Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev".split()),
    ("Mehmet Ayse Mustafa Fatma Emre Zeynep Burak Elif Murat Merve Can Ebru".split(),
     "Yilmaz Kaya Demir Sahin Celik Yildiz Yildirim Ozturk Aydin Ozdemir Arslan Dogan "
     "Kilic Aslan Cetin Kara Koc Kurt Ozkan Simsek".split()),
    ("Ahmed Fatima Omar Layla Youssef Mariam Khaled Nour Tariq Huda Samir Rania Karim Dalia "
     "Nabil Salma".split(),
     "Haddad Khoury Nasser Saleh Farouk Mansour Aziz Hamdan Sabbagh Darwish Qassem Barakat "
     "Shami Jaber Rahal Zayed Najjar Halabi Kanaan Tamimi".split()),
    ("Joao Ana Pedro Beatriz Lucas Mariana Gabriel Juliana Rafael Camila Thiago Larissa".split(),
     "Silva Santos Oliveira Souza Pereira Costa Rodrigues Almeida Nascimento Lima Araujo "
     "Fernandes Carvalho Gomes Martins Rocha Ribeiro Barbosa Cardoso Teixeira".split()),
)  # fmt: skip


# --- variants of a listed name ------------------------------------------------------------------

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Technology", "Tech"), ("Technologies", "Tech"), ("International", "Intl"),
    ("Group", "Grp"), ("Industries", "Inds"), ("Industrial", "Indl"),
    ("Manufacturing", "Mfg"), ("Engineering", "Engg"), ("Electronics", "Elec"),
    ("Development", "Dev"), ("Science and Technology", "Sci & Tech"),
    ("Science & Technology", "S&T"), ("Import and Export", "Imp & Exp"),
    ("Import & Export", "Imp/Exp"), ("Institute", "Inst"), ("Research", "Res"),
    ("University", "Univ"), ("Equipment", "Equip"), ("Trading", "Trdg"),
    ("Systems", "Sys"), ("Services", "Svcs"), ("Communications", "Comms"),
    ("Communication", "Comm"), ("Machinery", "Mach"), ("Association", "Assn"),
    ("Department", "Dept"), ("National", "Natl"), ("Management", "Mgmt"),
    ("Laboratory", "Lab"),
)  # fmt: skip

GENERIC = frozenset(
    """
    technology technologies tech science sciences scientific international intl group grp
    industry industries industrial electronics electronic electric electrical engineering
    equipment machinery import export development research institute university academy
    holdings holding services service systems system information communication communications
    network networks software materials material manufacturing products product general
    national aerospace aviation shipping logistics energy petroleum oil gas chemical chemicals
    pharmaceutical investment investments enterprise enterprises center centre bureau public
    security municipal municipality ministry defense defence military state provincial first
    second third no of the and for de del la le du des y e et und trading trade traders
    commercial company corporation global world new united digital intelligent precision
    optical optoelectronic optoelectronics instrument instruments semiconductor
    microelectronics power automation control measurement test computer marine heavy
    nuclear office department branch factory plant bank trust foundation association design
    supply solutions solution consulting construction transport transportation army navy
    air force forces factory laboratory lab trading agency agencies management import exp
    imp sys svcs comms comm mach assn dept natl mgmt inst res univ equip trdg engg elec dev
    mfg inds indl sci s t i e corp co limited liability joint stock open closed private
    partnership sdn pvt pte l c p general shipbuilding ordnance missile space electronic
    institute co industrial station lines line express freight cargo maritime navigation
    """.split()
)
