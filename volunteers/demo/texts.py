"""What the demo volunteer service says: partner kinds, commitments, posts, rewards, wishes,
work orders and the monthly themes."""

from __future__ import annotations

from volunteers.models import PartnerUnit, ServicePostKind

PARTNER_KINDS = (
    ("人民政府", PartnerUnit.Kind.GOVERNMENT),
    ("局", PartnerUnit.Kind.GOVERNMENT),
    ("分局", PartnerUnit.Kind.GOVERNMENT),
    ("医院", PartnerUnit.Kind.PUBLIC_INSTITUTION),
    ("小学", PartnerUnit.Kind.PUBLIC_INSTITUTION),
    ("中学", PartnerUnit.Kind.PUBLIC_INSTITUTION),
)
COMMITMENTS = (
    "每月组织党员到社区开展一次志愿服务；结对帮扶困难家庭",
    "支持社区活动场地和设备；参与老旧小区环境整治",
    "开展政策宣讲和法律咨询进社区；认领群众微心愿",
    "派出党员参与社区网格巡查；资助社区便民服务项目",
)
POSTS = (
    (ServicePostKind.BUILDING_HEAD, 3),
    (ServicePostKind.PATROL, 3),
    (ServicePostKind.MEDIATION, 2),
    (ServicePostKind.POLICY_OUTREACH, 2),
    (ServicePostKind.ENVIRONMENT, 2),
    (ServicePostKind.ELDERLY_CARE, 2),
    (ServicePostKind.CIVILISED_CONDUCT, 1),
)
REWARDS = (
    ("理发券", 20, 40, "社区便民理发点使用"),
    ("毛巾", 30, 30, ""),
    ("洗衣液", 50, 25, "2千克装"),
    ("保温杯", 100, 15, ""),
    ("大米", 120, 20, "5千克装"),
    ("食用油", 150, 15, "5升装"),
)
WISHES = (
    ("为独居老人更换厨房灯泡", "老人腿脚不便，厨房灯泡坏了一周"),
    ("辅导小学生数学作业", "父母在外务工，孩子四年级，每周两次"),
    ("帮助老人学用智能手机", "想学会视频通话和扫码就医"),
    ("陪同老人到医院复查", "需要有人陪同挂号、取药"),
    ("修理漏水的水龙头", "卫生间水龙头漏水"),
    ("为残疾人家庭代购生活用品", "每周一次代购米面油"),
    ("给留守儿童送一套课外书", "孩子喜欢科普读物"),
    ("为困难老人理发", "老人卧床，需要上门理发"),
    ("帮忙清理楼道杂物", "楼道堆放杂物，老人出行不便"),
    ("为低保户家庭修理电动车", "电动车刹车失灵"),
    ("陪伴空巢老人聊天", "子女在外地，老人希望有人每周来看看"),
    ("帮助老人办理医保缴费", "不会在手机上缴费"),
)
WORK_ORDERS = (
    ("老旧小区楼道照明改造", "为三栋楼更换声控照明灯", "社区党组织服务群众专项经费", 3200),
    ("社区小广场健身器材维修", "维修、加固健身器材并刷漆", "共建单位资助", 1800),
    (
        "独居老人安全隐患排查",
        "入户检查燃气、电路，安装烟感报警器",
        "社区党组织服务群众专项经费",
        2400,
    ),
    ("垃圾分类宣传与督导", "在投放点开展两周垃圾分类督导", "", 0),
    ("小区绿化带补种", "补种绿篱，清理枯枝", "共建单位资助", 1500),
    ("便民维修服务日", "为居民免费维修小家电、磨刀", "", 0),
    ("雨污管道疏通", "疏通小区堵塞的雨水管道", "街道民生项目资金", 4600),
    ("非机动车棚充电桩安装", "安装集中充电桩，消除飞线充电隐患", "街道民生项目资金", 8800),
)
THEMES = {
    1: "迎新春送温暖",
    2: "邻里守望",
    3: "学雷锋志愿服务",
    4: "清明文明祭扫宣传",
    5: "劳动创造美好家园",
    6: "安全生产宣传",
    7: "庆祝建党",
    8: "全民健身",
    9: "敬老助老",
    10: "国庆环境整治",
    11: "消防安全宣传",
    12: "宪法宣传",
}
