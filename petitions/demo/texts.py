"""What the demo petitions say: cases by category, the departments they are whistled to, and
the words of replies, returns, completions, supervisions and extension requests.

``{place}`` in a title or description is the compound, building or villagers' group the case
concerns. Departments are named by key (``DEPARTMENTS``); a case whose departments do not serve
the community is handled by the community itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from petitions.models import Category, Complexity

# Key → the demo department's name (orgchart.demo.tree.DEPARTMENTS).
DEPARTMENTS = {
    "chengguan": "云阳区城市管理综合行政执法局",
    "zhujian": "云阳区住房和城乡建设局",
    "minzheng": "云阳区民政局",
    "shijian": "云阳区市场监督管理局",
    "police": "云阳区公安分局东城派出所",
    "ziran": "青山县自然资源和规划局",
}


@dataclass(frozen=True)
class CaseText:
    category: str
    title: str
    description: str
    reply: str
    leads: tuple[str, ...] = ()  # departments that may lead a whistle, in order of fit
    assists: tuple[str, ...] = ()  # departments that may assist
    rural: bool = False  # a village's matter (else a town's)


C = Category
CASES: tuple[CaseText, ...] = (
    # 环境卫生
    CaseText(
        C.SANITATION,
        "{place}垃圾清运不及时",
        "{place}垃圾桶满溢多日无人清运，气味难闻，蚊蝇滋生，居民出行受影响。",
        "已协调环卫部门加密清运频次，每日早晚各清运一次，现场已清理干净。",
        leads=("chengguan",),
    ),
    CaseText(
        C.SANITATION,
        "{place}楼道小广告泛滥",
        "{place}楼道内张贴大量小广告，墙面脏乱，居民希望清理并加强管理。",
        "社区已组织志愿者清理楼道小广告，并在单元门口张贴文明提示。",
    ),
    CaseText(
        C.SANITATION,
        "临街餐馆油烟扰民",
        "{place}临街餐馆油烟直排，楼上住户无法开窗通风，多次与店主沟通无果。",
        "执法人员已责令餐馆安装油烟净化设施并定期清洗，经复查排放达标。",
        leads=("chengguan",),
        assists=("shijian",),
    ),
    CaseText(
        C.SANITATION,
        "{place}绿化带内堆放建筑垃圾",
        "{place}绿化带内有人倾倒装修建筑垃圾，已堆放两周，影响环境。",
        "已查明倾倒人并责令清运，建筑垃圾已全部清理，绿化带已恢复。",
        leads=("chengguan",),
    ),
    CaseText(
        C.SANITATION,
        "{place}下水道堵塞污水外溢",
        "{place}下水道堵塞，污水从井口外溢，路面积水发臭。",
        "已安排疏通下水管道并更换破损管段，污水外溢问题已解决。",
        leads=("zhujian",),
        assists=("chengguan",),
    ),
    CaseText(
        C.SANITATION,
        "村内河沟垃圾堆积",
        "{place}附近河沟内垃圾堆积，雨季容易堵塞河道，村民希望尽快清理。",
        "村委会已组织保洁员清理河沟垃圾，并设置垃圾收集点，明确专人管护。",
        rural=True,
    ),
    # 物业管理
    CaseText(
        C.PROPERTY,
        "{place}电梯频繁故障",
        "{place}电梯近一个月多次停运，老人上下楼困难，物业维修不及时。",
        "已督促物业公司联系维保单位全面检修电梯，更换老化部件，检验合格后恢复运行。",
        leads=("zhujian",),
        assists=("shijian",),
    ),
    CaseText(
        C.PROPERTY,
        "物业费收支不透明",
        "{place}居民反映物业服务费收支情况多年未公示，要求物业公开账目。",
        "已约谈物业公司，要求按季度公示物业费收支明细，首期公示已张贴。",
        leads=("zhujian",),
    ),
    CaseText(
        C.PROPERTY,
        "{place}屋顶漏水无人维修",
        "{place}顶层住户屋顶漏水，雨天屋内渗水严重，物业以无维修资金为由推诿。",
        "已协调使用专项维修资金对屋面防水进行维修，经回访不再渗漏。",
        leads=("zhujian",),
    ),
    CaseText(
        C.PROPERTY,
        "{place}单元门禁损坏",
        "{place}单元门禁损坏一个多月，外来人员随意进出，居民担心安全。",
        "社区已督促物业更换门禁设备，单元门已恢复正常使用。",
    ),
    CaseText(
        C.PROPERTY,
        "{place}物业撤场后无人管理",
        "{place}原物业公司撤场，小区垃圾无人清运、路灯无人维修，居民要求尽快引入物业。",
        "社区已组织成立临时管理小组，协调引入国有物业托管，小区管理秩序已恢复。",
        leads=("zhujian",),
        assists=("minzheng",),
    ),
    # 安全隐患
    CaseText(
        C.SAFETY_HAZARD,
        "{place}楼道内电动自行车充电",
        "{place}有住户将电动自行车推入楼道充电，存在火灾隐患。",
        "已上门劝导住户停止楼道充电，并引导到小区集中充电桩充电。",
        leads=("police", "chengguan"),
    ),
    CaseText(
        C.SAFETY_HAZARD,
        "{place}外墙瓷砖脱落",
        "{place}外墙瓷砖松动脱落，楼下是居民出入通道，存在坠落伤人风险。",
        "已设置警戒区域，并督促产权单位对外墙进行排查加固，隐患已消除。",
        leads=("zhujian",),
    ),
    CaseText(
        C.SAFETY_HAZARD,
        "{place}窨井盖缺失",
        "{place}路口窨井盖缺失，夜间行人和车辆通行存在安全隐患。",
        "已联系管线权属单位补装井盖并加装防坠网。",
        leads=("chengguan",),
    ),
    CaseText(
        C.SAFETY_HAZARD,
        "{place}楼顶违规搭建",
        "{place}有住户在楼顶违规搭建彩钢房，影响房屋安全和消防通道。",
        "执法人员已下达限期拆除通知书，违建已自行拆除。",
        leads=("chengguan",),
        assists=("zhujian",),
    ),
    CaseText(
        C.SAFETY_HAZARD,
        "{place}燃气管道老化",
        "{place}燃气管道锈蚀老化，居民闻到燃气异味，担心发生泄漏。",
        "已协调燃气公司上门检测并更换老化管道，经检测无泄漏。",
        leads=("zhujian",),
        assists=("shijian",),
    ),
    CaseText(
        C.SAFETY_HAZARD,
        "村道边高压线下堆放柴草",
        "{place}有村民在高压线下堆放柴草，秋冬季节存在火灾隐患。",
        "村委会已组织清理柴草并张贴防火提示，安排网格员定期巡查。",
        rural=True,
    ),
    # 矛盾纠纷
    CaseText(
        C.DISPUTE,
        "{place}楼上漏水引发邻里纠纷",
        "{place}楼上住户卫生间漏水导致楼下天花板发霉，双方协商赔偿未果。",
        "社区调解委员会组织双方调解，楼上住户已维修防水并赔偿楼下损失。",
    ),
    CaseText(
        C.DISPUTE,
        "{place}夜间噪音扰民",
        "{place}有住户夜间聚会喧哗，影响邻居休息，多次劝说无效。",
        "民警已上门进行批评教育，住户承诺不再夜间喧哗。",
        leads=("police",),
    ),
    CaseText(
        C.DISPUTE,
        "{place}养犬扰民纠纷",
        "{place}有住户养犬不拴绳、夜间吠叫，邻里多次发生口角。",
        "社区联合民警上门宣传文明养犬规定，犬主已办理养犬登记并承诺文明养犬。",
        leads=("police",),
    ),
    CaseText(
        C.DISPUTE,
        "老人赡养纠纷",
        "{place}一位高龄老人反映子女不履行赡养义务，生活困难。",
        "社区组织家庭调解，子女签订赡养协议，民政部门已为老人办理高龄津贴。",
        leads=("minzheng",),
    ),
    CaseText(
        C.DISPUTE,
        "装修噪音扰民",
        "{place}有住户在午休和夜间装修施工，噪音影响周边居民休息。",
        "社区已约谈装修住户，明确施工时间，并在单元内张贴装修管理规定。",
    ),
    CaseText(
        C.DISPUTE,
        "宅基地边界纠纷",
        "{place}两户村民因宅基地边界划分发生争执，要求重新确认界址。",
        "已会同自然资源部门现场测量确认界址，双方签字认可。",
        leads=("ziran",),
        rural=True,
    ),
    CaseText(
        C.DISPUTE,
        "承包地流转纠纷",
        "{place}村民反映土地流转费用未按合同支付。",
        "村委会组织双方协商，流转方已按合同补付流转费用。",
        rural=True,
    ),
    # 公共服务
    CaseText(
        C.PUBLIC_SERVICE,
        "咨询低保申请条件",
        "{place}居民家庭收入下降，咨询最低生活保障申请条件和办理流程。",
        "已告知低保申请条件和所需材料，社区协助其提交申请，民政部门已受理审核。",
        leads=("minzheng",),
    ),
    CaseText(
        C.PUBLIC_SERVICE,
        "高龄津贴未按时发放",
        "{place}一位八十岁以上老人反映高龄津贴连续两个月未到账。",
        "经核查系银行账户信息变更所致，已更新账户信息并补发津贴。",
        leads=("minzheng",),
    ),
    CaseText(
        C.PUBLIC_SERVICE,
        "{place}路灯损坏",
        "{place}多盏路灯损坏不亮，居民夜间出行不便。",
        "已维修更换损坏路灯，照明已恢复。",
        leads=("chengguan",),
    ),
    CaseText(
        C.PUBLIC_SERVICE,
        "希望开办社区老年食堂",
        "{place}独居老人较多，居民希望社区开办老年食堂解决老人吃饭难。",
        "社区已与周边餐饮企业合作开设老年助餐点，符合条件的老人享受助餐补贴。",
        leads=("minzheng",),
    ),
    CaseText(
        C.PUBLIC_SERVICE,
        "村内道路破损",
        "{place}进村道路坑洼破损，雨天泥泞，村民出行和农产品运输不便。",
        "已将道路修缮纳入村级公益事业项目，破损路面已完成硬化修补。",
        rural=True,
    ),
    CaseText(
        C.PUBLIC_SERVICE,
        "灌溉水渠堵塞",
        "{place}灌溉水渠淤堵，影响农田灌溉。",
        "村委会已组织村民清淤疏通水渠，灌溉已恢复。",
        rural=True,
    ),
    # 建议
    CaseText(
        C.SUGGESTION,
        "建议在{place}增设健身器材",
        "{place}居民希望在空地增设健身器材，方便老人和孩子锻炼。",
        "感谢您的建议，社区已申请体育部门配送健身器材，预计下月安装。",
    ),
    CaseText(
        C.SUGGESTION,
        "建议增设电动自行车充电桩",
        "{place}电动自行车较多，建议增设集中充电桩，减少楼道充电隐患。",
        "感谢您的建议，已协调在小区内增设两处集中充电设施。",
        leads=("zhujian",),
    ),
    CaseText(
        C.SUGGESTION,
        "建议开设四点半课堂",
        "{place}双职工家庭较多，建议社区开设四点半课堂，解决孩子放学后无人照看问题。",
        "感谢您的建议，社区已联合志愿者在党群服务中心开设四点半课堂。",
    ),
    CaseText(
        C.SUGGESTION,
        "建议增加垃圾分类督导",
        "{place}垃圾分类投放不规范，建议在投放点增加督导员。",
        "感谢您的建议，社区已招募志愿者在早晚高峰开展垃圾分类督导。",
        leads=("chengguan",),
    ),
    CaseText(
        C.SUGGESTION,
        "建议村里建设文化广场",
        "{place}村民希望利用闲置场地建设文化广场，丰富村民文化生活。",
        "感谢您的建议，村委会已将文化广场建设列入明年村级项目计划。",
        rural=True,
    ),
    # 其他
    CaseText(
        C.OTHER,
        "校园周边流动摊贩食品卫生问题",
        "{place}附近学校门口流动摊贩销售无证食品，家长担心食品安全。",
        "已联合开展校园周边食品安全整治，取缔无证流动摊贩。",
        leads=("shijian",),
        assists=("chengguan",),
    ),
    CaseText(
        C.OTHER,
        "快递柜超时收费",
        "{place}居民反映快递柜超时收费标准不合理，未提前告知。",
        "已约谈快递柜运营企业，要求公示收费标准并延长免费保管时间。",
        leads=("shijian",),
    ),
)

# A hazard found on a visit becomes a petition (the visit's note is its description).
HAZARD_REPLY = "已现场处置，隐患已消除，网格员将持续跟踪巡查。"
HAZARD_LEADS = ("chengguan", "zhujian")

REJECT_REASONS = (
    "该事项属于司法程序处理范围，已告知来访人依法向人民法院提起诉讼。",
    "该事项已于近期办结并答复，来访人未提出新的事实和理由。",
    "该事项属于民事合同纠纷，不属于受理范围，已告知通过仲裁途径解决。",
)
INSTRUCTIONS = (
    "请于规定时限内到现场核查处置。",
    "请尽快派员处置并反馈结果。",
    "群众反映强烈，请优先办理。",
    "请会同社区现场处置。",
)
COMPLETION_NOTES = (
    "已派员到现场核查处置，问题已整改到位。",
    "已责令责任单位限期整改，经复查整改完成。",
    "已现场处置完毕，并向社区反馈处置情况。",
    "已会同社区联合处置，问题已解决。",
)
RETURN_REASONS = (
    "经核实，该事项不属于本部门职责范围，建议转交相关部门办理。",
    "该事项涉及的设施产权不属于本部门管理，请核实后另行派单。",
)
UNSATISFIED_NOTES = ("居民表示问题未彻底解决，要求继续处理。", "居民对处理结果不满意。")
EVALUATION_NOTES = ("电话回访，居民对处理结果满意。", "上门回访，居民表示认可。", "")
REOPEN_REASONS = ("居民反映问题再次出现，申请复查。", "复查发现整改不彻底，重新办理。")
SUPERVISION_NOTES = (
    "群众多次反映，请加快办理，按期答复。",
    "该件已升级，请主要负责同志督促办理。",
    "请高度重视，确保按期办结。",
)
EXTENSION_REASONS = (
    "需协调多个部门及产权单位，申请延期办理。",
    "维修需等待专项维修资金审批，申请延期。",
)
EXTENSION_DECISIONS = ("同意延期，请抓紧办理。", "理由不充分，请按原时限办结。")
CLOSE_REASONS = ("多次电话联系来访人未接通，按规定办结。",)
COMPLEX_TAGS: tuple[tuple[str, ...], ...] = (
    (Complexity.CROSS_DEPARTMENT,),
    (Complexity.CROSS_DEPARTMENT, Complexity.CROSS_INDUSTRY),
    (Complexity.CROSS_REGION,),
    (Complexity.PERSON_HOUSEHOLD_APART,),
    (Complexity.ALL_APART,),
)
