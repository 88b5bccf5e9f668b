"""The demo visits: the last 90 days of rounds before a moment (``now``).

Unlike the rest of the plan, visits hang on a moment, so that the pages show recent work
("visited in the last 30 days"). The seeding plans them before the demo's reference clock
(``orgchart.demo.REFERENCE_NOW``) and moves them to the moment of seeding, like the petitions
that come from the hazards they found: the same visits, as long ago, whenever the demo is
loaded. Each grid's visits come from a generator seeded by the plan's seed and the grid's
code; a grid that has visits already is left alone, which keeps a second run from adding any.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from grids.demo.plan import (
    COMMUNITY_CODES,
    GRID_ACCOUNT_COMMUNITY,
    GRIDS_SEED,
    GridPlan,
    GridsPlan,
    weighted,
)
from grids.models import Grid, Visit

Purpose = Visit.Purpose
DAYS = 90
# The community worker of 光明社区 joins some of its rounds.
COMMUNITY_WORKER = "worker"
COMMUNITY_WORKER_SHARE = 0.15
# Households that need looking after get a care visit every two to four weeks.
CARE_TAGS = frozenset(
    {
        "lives_alone_elderly",
        "disabled",
        "subsistence_allowance",
        "extreme_hardship",
        "left_behind_child",
        "child_in_difficulty",
        "serious_illness",
    }
)
HOUSEHOLD_VISITS = ((0, 30), (1, 42), (2, 20), (3, 8))  # (visits in 90 days, weight)
HOUSEHOLD_PURPOSES: tuple[tuple[str, int], ...] = (
    (Purpose.INFORMATION_COLLECTION, 34),
    (Purpose.POLICY_OUTREACH, 26),
    (Purpose.HAZARD_CHECK, 18),
    (Purpose.CARE_VISIT, 16),
    (Purpose.DISPUTE_MEDIATION, 6),
)
HAZARD_SHARE = 0.06  # of hazard checks at a household
ROUND_HAZARD_SHARE = 0.05  # of the rounds of a grid
ROUNDS_SKIPPED = 0.15

NOTES: dict[str, tuple[str, ...]] = {
    Purpose.INFORMATION_COLLECTION: (
        "核实家庭成员信息，更新联系方式",
        "采集出租房屋及租户信息",
        "核对人户分离情况，更新台账",
        "登记新出生人口信息",
        "更新居民健康档案信息",
        "核实房屋用途及居住人数",
    ),
    Purpose.POLICY_OUTREACH: (
        "宣传反诈骗知识，发放宣传册",
        "宣传城乡居民医保缴费政策",
        "讲解垃圾分类要求",
        "宣传消防安全知识",
        "宣传养老服务补贴政策",
        "宣传电动自行车安全充电规定",
    ),
    Purpose.CARE_VISIT: (
        "老人身体状况良好，已提醒按时服药",
        "帮助代购生活用品",
        "了解生活需求，已反馈社区",
        "协助预约社区医院体检",
        "检查家中水电燃气使用安全",
    ),
    Purpose.DISPUTE_MEDIATION: (
        "调解邻里漏水纠纷，双方达成一致",
        "协调楼道停车争议",
        "调解家庭赡养纠纷，约定每月探望",
        "调解噪音扰民问题，已签订承诺书",
    ),
    Purpose.HAZARD_CHECK: (
        "检查楼道及燃气设施，未发现隐患",
        "检查电动车停放充电情况，未见异常",
        "检查消防通道，保持畅通",
    ),
}
HAZARDS = (
    "楼道堆放杂物，堵塞消防通道",
    "发现电动自行车在楼道内充电",
    "燃气软管老化，已提醒更换",
    "外墙瓷砖松动，存在坠落风险",
    "窨井盖破损，已设置警示",
    "私拉电线给电动车充电",
    "楼顶违规搭建",
    "路灯损坏，夜间照明不足",
)
ROUND_NOTES: dict[str, tuple[str, ...]] = {
    Grid.Kind.BASIC: ("网格日常巡查，环境卫生良好", "巡查小区公共设施", "巡查背街小巷环境卫生"),
    Grid.Site.MALL: ("检查商场消防设施及安全出口", "巡查商圈占道经营情况"),
    Grid.Site.SCHOOL: ("上下学时段校园周边安全巡查", "检查校园周边食品摊点"),
    Grid.Site.INDUSTRIAL_PARK: ("园区企业安全生产检查", "巡查园区危化品存放"),
}
SPECIAL_HAZARDS = {
    "森林防火": "山林周边发现烧荒痕迹，已劝阻并上报",
    "河湖巡查": "河道护栏损坏，存在落水风险",
    "燃气安全入户巡查": "发现餐饮商户燃气报警器失效",
    "老旧小区改造": "改造施工围挡破损，影响通行",
}


@dataclass(frozen=True)
class VisitPlan:
    grid: int  # index into GridsPlan.grids
    household: int | None  # index into GridsPlan.households; None for a round of the grid
    visitor: str  # username
    visited_at: dt.datetime
    purpose: str
    notes: str
    hazard_found: bool


class _VisitPlanner:
    def __init__(self, plan: GridsPlan, *, grid: int, now: dt.datetime, seed: int) -> None:
        self.plan = plan
        self.grid_index = grid
        self.grid: GridPlan = plan.grids[grid]
        self.rng = random.Random(f"{seed}:{self.grid.code}")  # noqa: S311 - demo data
        self.now = now
        self.today = timezone.localdate(now)
        self.visitors = [s.account for s in plan.staff if s.grid == grid and s.account]
        self.visits: list[VisitPlan] = []

    def moment(self) -> dt.datetime:
        """A working hour of one of the last DAYS days (Sundays mostly off), never ahead of
        ``now``. Draws the same numbers whatever ``now`` is, so the count of visits is too."""
        rng = self.rng
        day = self.today - dt.timedelta(days=rng.randrange(DAYS - 2))
        sunday_off = rng.random() < 0.7
        minutes = 8 * 60 + 30 + rng.randrange(9 * 60)
        seconds = rng.randrange(60)
        if day.weekday() == 6 and sunday_off:
            day -= dt.timedelta(days=1)
        start = dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
        moment = start + dt.timedelta(minutes=minutes, seconds=seconds)
        return moment - dt.timedelta(days=1) if moment > self.now else moment

    def visitor(self) -> str:
        community_worker = (
            self.grid.community == COMMUNITY_CODES[GRID_ACCOUNT_COMMUNITY]
            and self.rng.random() < COMMUNITY_WORKER_SHARE
        )
        return COMMUNITY_WORKER if community_worker else self.rng.choice(self.visitors)

    def add(self, household: int | None, purpose: str, notes: str, hazard: bool = False) -> None:
        self.visits.append(
            VisitPlan(
                grid=self.grid_index,
                household=household,
                visitor=self.visitor(),
                visited_at=self.moment(),
                purpose=purpose,
                notes=notes,
                hazard_found=hazard,
            )
        )

    def households(self, households: list[int]) -> None:
        rng = self.rng
        for index in households:
            residents = self.plan.households[index].residents
            living = [resident for resident in residents if resident.lives_here]
            if not living:  # vacant: now and then a look at the empty flat
                if rng.random() < 0.3:
                    self.add(index, Purpose.HAZARD_CHECK, NOTES[Purpose.HAZARD_CHECK][0])
                continue
            if any(CARE_TAGS.intersection(resident.care_tags) for resident in living):
                for _visit in range(DAYS // rng.randint(15, 30)):
                    self.add(index, Purpose.CARE_VISIT, rng.choice(NOTES[Purpose.CARE_VISIT]))
            count = weighted(rng, HOUSEHOLD_VISITS)
            for _visit in range(count):
                purpose = weighted(rng, HOUSEHOLD_PURPOSES)
                if purpose == Purpose.HAZARD_CHECK and rng.random() < HAZARD_SHARE:
                    self.add(index, purpose, rng.choice(HAZARDS), hazard=True)
                else:
                    self.add(index, purpose, rng.choice(NOTES[purpose]))

    def rounds(self) -> None:
        """Weekly rounds of a basic grid, two a week of a dedicated or special one."""
        rng = self.rng
        grid = self.grid
        per_week = 1 if grid.kind == Grid.Kind.BASIC else 2
        notes = ROUND_NOTES.get(grid.site or grid.kind, ROUND_NOTES[Grid.Kind.BASIC])
        if grid.kind == Grid.Kind.SPECIAL:
            notes = (f"{grid.topic}：例行巡查，未发现异常",)
        hazards = (SPECIAL_HAZARDS[grid.topic],) if grid.topic in SPECIAL_HAZARDS else HAZARDS
        for _round in range(DAYS // 7 * per_week):
            if rng.random() < ROUNDS_SKIPPED:
                continue
            if rng.random() < ROUND_HAZARD_SHARE:
                self.add(None, Purpose.HAZARD_CHECK, rng.choice(hazards), hazard=True)
            else:
                purpose = rng.choice((Purpose.HAZARD_CHECK, Purpose.INFORMATION_COLLECTION))
                self.add(None, purpose, rng.choice(notes))


def visits_plan(
    plan: GridsPlan, *, now: dt.datetime, seed: int = GRIDS_SEED
) -> dict[int, list[VisitPlan]]:
    """The visits of the DAYS days before ``now``, by grid index (deterministic for a given
    seed and ``now``)."""
    households: dict[int, list[int]] = defaultdict(list)
    for index, household in enumerate(plan.households):
        households[household.grid].append(index)
    result = {}
    for index in range(len(plan.grids)):
        planner = _VisitPlanner(plan, grid=index, now=now, seed=seed)
        planner.households(households[index])
        planner.rounds()
        result[index] = sorted(planner.visits, key=lambda visit: visit.visited_at)
    return result
