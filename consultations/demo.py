"""Demo consultation topics (part of ``manage.py seed_demo``, after the volunteers).

Each community of the demo city gets eight topics in the stages of 一征三议两公开, played
through ``consultations.services`` by the community's worker account with ``now=`` at each
step's moment over the last 90 days: two with their results published, one decision on notice
now, one decided and waiting to be published, one at its meeting with part of the votes
recorded (光明社区's is the demo journey: the worker records the rest and decides), one
proposed, one solicited — promoted from the community's newest people's suggestion (人民建议)
where it has one — and one that was not adopted or withdrawn. Its first compound has a
micro-governance project done by the seven steps and is a 五有院落, its second a project at its
third step, its third two of the five marks. Every topic that reached its
meeting has one (居民代表会议, with the topic on its agenda): the property company, the owners'
committee and the voters invited and signed in, the minutes recorded once it decided. The
voters are adults registered in the community.

Deterministic: the choices come from a ``random.Random`` seeded by the seed and the
community's division code; the times hang on the moment of seeding (``now``). Idempotent: a
community that has topics gets no more."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consultations import services
from consultations.models import (
    FIVE_HAVES,
    PROJECT_STEPS,
    InviteeKind,
    Meeting,
    Topic,
    TopicFormat,
    TopicStatus,
    VoteChoice,
)
from orgchart.models import OrgUnit, Person, PersonRegistration, User
from petitions.models import Channel, Petition

CONSULTATIONS_SEED = 18
TOPICS_PER_COMMUNITY = 8

# (title, what the residents raised, format)
TOPICS = [
    (
        "小区加装电动车充电棚",
        "居民反映电动车入户充电存在火灾隐患，希望在小区空地建集中充电棚。",
        TopicFormat.COURTYARD,
    ),
    (
        "老旧楼栋加装电梯",
        "多层住宅老人上下楼困难，部分居民提议加装电梯，低层住户有顾虑。",
        TopicFormat.HOUSE_MEETING,
    ),
    (
        "楼道堆物集中清理",
        "楼道堆放杂物影响消防通道，希望统一清理并建立长效管理。",
        TopicFormat.RESIDENTS_TALK,
    ),
    (
        "停车位划线与错时停车",
        "小区车位紧张，夜间乱停车堵塞通道，建议与周边单位协商错时停车。",
        TopicFormat.JOINT,
    ),
    (
        "广场舞时间与音量约定",
        "晚间广场舞音量大影响周边居民休息，希望约定活动时间和音量。",
        TopicFormat.FORUM,
    ),
    (
        "垃圾分类投放点调整",
        "现有投放点离部分楼栋过远且有异味，居民希望调整位置并定时投放。",
        TopicFormat.COURTYARD,
    ),
    (
        "小区绿地改建儿童游乐区",
        "小区缺少儿童活动场地，有居民提议将闲置绿地改建为游乐区。",
        TopicFormat.HOUSE_MEETING,
    ),
    ("物业服务费调整", "物业公司提出上调物业费，居民要求公开收支并听取意见。", TopicFormat.JOINT),
    (
        "单元门禁系统更换",
        "单元门禁老化失灵，外来人员随意进出，居民希望更换门禁。",
        TopicFormat.RESIDENTS_TALK,
    ),
    ("高空抛物监控安装", "近期发生高空抛物，居民希望在楼栋外墙安装监控。", TopicFormat.FORUM),
    ("公共收益使用方案", "小区广告位和停车收益的使用方向需要业主共同商定。", TopicFormat.JOINT),
    (
        "雨污管网改造施工安排",
        "管网改造施工影响出行，居民希望商定施工时间和临时通道。",
        TopicFormat.COURTYARD,
    ),
]
RESULTS = [
    "已按决议完成，经居民代表验收，满意度调查结果良好。",
    "已实施完毕，费用明细已在公示栏公开，接受居民监督。",
    "已落实，居民自管小组负责日常维护。",
]
# The statuses of a community's eight topics; the last slot is one of the endings.
SLOTS = [
    TopicStatus.CONCLUDED,
    TopicStatus.CONCLUDED,
    TopicStatus.PUBLISHED,
    TopicStatus.DECIDED,
    TopicStatus.DELIBERATED,
    TopicStatus.PROPOSED,
    TopicStatus.SOLICITED,
]
ENDINGS = [TopicStatus.NOT_ADOPTED, TopicStatus.WITHDRAWN]


@dataclass
class ConsultationsSeedResult:
    created_topics: int = 0
    created_votes: int = 0
    created_meetings: int = 0
    created_projects: int = 0

    def summary(self) -> str:
        return (
            f"Demo consultations: {self.created_topics} topics, "
            f"{self.created_meetings} meetings, {self.created_votes} votes, "
            f"{self.created_projects} micro-governance projects created."
        )


def _worker(community: OrgUnit) -> User | None:
    return (
        User.objects.filter(role=User.Role.COMMUNITY_WORKER, anchor_unit=community, is_active=True)
        .order_by("pk")
        .first()
    )


def _voters(community: OrgUnit, rng: random.Random, count: int, today: dt.date) -> list[Person]:
    """``count`` adults registered in the community, drawn by ``rng``."""
    registered = PersonRegistration.objects.filter(
        unit__tree_id=community.tree_id,
        unit__lft__gte=community.lft,
        unit__lft__lte=community.rght,
        person__birth_date__lte=today - dt.timedelta(days=18 * 366),
    ).values_list("person_id", flat=True)
    ids = sorted(set(registered))
    chosen = rng.sample(ids, min(count, len(ids)))
    people = Person.objects.in_bulk(chosen)
    return [people[pk] for pk in chosen]


class _Player:
    """Plays one community's topics through the services."""

    def __init__(self, community: OrgUnit, worker: User, rng: random.Random, now: dt.datetime):
        self.community = community
        self.worker = worker
        self.rng = rng
        self.now = now
        self.result = ConsultationsSeedResult()
        self.compounds = list(
            OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.COMPOUND).order_by("lft")
        )

    def play(self, index: int, status: str, start: dt.datetime, petition: Petition | None) -> None:
        rng, worker = self.rng, self.worker
        title, raised, format_ = TOPICS[(index + rng.randrange(len(TOPICS))) % len(TOPICS)]
        at = start
        unit = rng.choice(self.compounds) if self.compounds and rng.random() < 0.6 else None
        topic: Topic = services.topic_solicit(
            actor=worker,
            community=self.community,
            unit=unit,
            title=petition.title[:120] if petition is not None else title,
            description=petition.description if petition is not None else raised,
            format=format_,
            petition=petition,
            now=at,
        )
        self.result.created_topics += 1
        if status == TopicStatus.SOLICITED:
            return
        at += dt.timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 6))
        if status == TopicStatus.WITHDRAWN:
            services.topic_withdraw(
                actor=worker, topic=topic, reason="问题已由物业公司直接解决，撤回议题。", now=at
            )
            return
        topic = services.topic_propose(
            actor=worker,
            topic=topic,
            proposal=f"社区党组织研究后提议：将“{title}”提交议事会商议，并征求楼栋长意见。",
            now=at,
        )
        if status == TopicStatus.PROPOSED:
            return
        at += dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 6))
        electorate = rng.randint(15, 31)
        topic = services.topic_deliberate(
            actor=worker,
            topic=topic,
            deliberation=(
                "议事会（社区党组织、居委会、物业、业委会、居民代表）商议形成初步方案，"
                "提交居民代表会议表决。"
            ),
            electorate=electorate,
            now=at,
        )
        quorum = topic.quorum or electorate
        if status == TopicStatus.DELIBERATED:
            # The meeting is under way: some of the votes are in, not yet a quorum.
            at = self.now - dt.timedelta(hours=1)
            meeting = self._meeting(topic, format_, at)
            people = self._votes(topic, max(1, quorum - rng.randint(2, 5)), at, carried=True)
            self._invite(meeting, people, at)
            return
        at += dt.timedelta(days=rng.randint(2, 3))
        carried = status != TopicStatus.NOT_ADOPTED
        meeting = self._meeting(topic, format_, at)
        people = self._votes(topic, rng.randint(quorum, electorate), at, carried=carried)
        self._invite(meeting, people, at)
        at += dt.timedelta(hours=2)
        services.meeting_hold(
            actor=worker,
            meeting=meeting,
            minutes=(
                f"应到居民代表{electorate}人，实到{len(people)}人，达到法定人数。"
                "会议听取议事会商议方案，物业公司和业委会作了说明，与会代表逐人表决。"
            ),
            now=at,
        )
        topic = services.topic_decide(
            actor=worker,
            topic=topic,
            meeting=meeting,
            decision=(
                "居民代表会议表决通过，按商议方案实施。"
                if carried
                else "居民代表会议表决未通过，方案暂缓。"
            ),
            now=at,
        )
        if status in (TopicStatus.DECIDED, TopicStatus.NOT_ADOPTED):
            return
        at += dt.timedelta(days=1)
        topic = services.topic_publish(actor=worker, topic=topic, notice_days=7, now=at)
        if status == TopicStatus.PUBLISHED:
            return
        at += dt.timedelta(days=rng.randint(10, 20))
        services.topic_publish_result(actor=worker, topic=topic, result=rng.choice(RESULTS), now=at)

    def _meeting(self, topic: Topic, format_: str, at: dt.datetime) -> Meeting:
        meeting = services.meeting_schedule(
            actor=self.worker,
            community=self.community,
            title=f"居民代表会议：{topic.title}"[:120],
            format=format_,
            starts_at=at,
            place=f"{self.community.name}党群服务中心",
            agenda="一、通报议事会商议方案；二、听取物业公司、业委会意见；三、居民代表表决。",
            topics=[topic],
            now=at - dt.timedelta(days=2),
        )
        self.result.created_meetings += 1
        return meeting

    def _invite(self, meeting: Meeting, people: list[Person], at: dt.datetime) -> None:
        """The property company and the owners' committee, and the residents who voted, all
        signed in at the start."""
        guests = [
            services.meeting_invite(
                actor=self.worker, meeting=meeting, kind=InviteeKind.PROPERTY, name="物业服务中心"
            ),
            services.meeting_invite(
                actor=self.worker,
                meeting=meeting,
                kind=InviteeKind.OWNERS_COMMITTEE,
                name="业主委员会",
            ),
            *(
                services.meeting_invite(
                    actor=self.worker,
                    meeting=meeting,
                    kind=InviteeKind.REPRESENTATIVE,
                    person=person,
                )
                for person in people
            ),
        ]
        for guest in guests:
            services.meeting_sign_in(actor=self.worker, invitee=guest, now=at)

    def _votes(self, topic: Topic, count: int, at: dt.datetime, *, carried: bool) -> list[Person]:
        """``count`` votes; more than half of them for when ``carried``, else at most half."""
        rng = self.rng
        people = _voters(self.community, rng, count, timezone.localdate(self.now))
        total = len(people)
        majority = total // 2 + 1
        n_for = rng.randint(majority, total) if carried else rng.randint(0, total // 2)
        others = [
            VoteChoice.AGAINST if rng.random() < 0.7 else VoteChoice.ABSTAIN
            for _ in range(total - n_for)
        ]
        choices = [VoteChoice.FOR] * n_for + others
        rng.shuffle(choices)
        for n, (person, choice) in enumerate(zip(people, choices, strict=True)):
            services.vote_record(
                actor=self.worker,
                topic=topic,
                voter=person,
                choice=choice,
                now=at + dt.timedelta(minutes=n),
            )
            self.result.created_votes += 1
        return people


PROJECTS = [
    ("楼道微改造", "楼道照明、扶手和墙面由居民自管小组牵头改造。"),
    ("停车秩序自治", "居民自管小组划定车位、制定停车公约并轮流值守。"),
    ("小微菜园共建", "闲置空地改为共享菜园，由居民认领、共同维护。"),
]
STEP_EVIDENCE = {
    "survey": "入户走访全部住户，收集意见并形成调研报告。",
    "mobilise": "召开楼栋会议，张贴倡议书并在居民群发布。",
    "discuss": "议事会讨论形成方案，征求全体住户意见。",
    "group": "推选党员和热心居民组成自管小组，明确分工。",
    "action": "居民分批参与施工与维护，记录工时与照片。",
    "convention": "制定并公示居民公约，住户签字确认。",
    "promote": "经验做法在社区公众号和宣传栏推广。",
}


def _projects(community: OrgUnit, worker: User, rng: random.Random, now: dt.datetime) -> int:
    """The community's first compound: a project done by the seven steps and a 五有院落; its
    second: a project at its third step; its third: two of the five marks. Returns how many
    projects were started."""
    compounds = list(
        OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.COMPOUND).order_by("lft")
    )
    started = 0
    for index, compound in enumerate(compounds[:2]):
        title, description = PROJECTS[(index + rng.randrange(len(PROJECTS))) % len(PROJECTS)]
        at = now - dt.timedelta(days=80 - 30 * index, hours=rng.randint(0, 8))
        project = services.project_start(
            actor=worker, compound=compound, title=title, description=description, now=at
        )
        started += 1
        services.project_fund_add(
            actor=worker,
            project=project,
            source=rng.choice(["party_funds", "public_income", "government"]),
            amount=rng.choice([2000, 3500, 5000, 8000]),
            now=at,
        )
        services.project_fund_add(
            actor=worker,
            project=project,
            source="residents",
            amount=rng.choice([500, 800, 1200]),
            now=at,
        )
        steps = PROJECT_STEPS if index == 0 else PROJECT_STEPS[:3]
        for kind in steps:
            at += dt.timedelta(days=rng.randint(2, 6))
            services.project_step(
                actor=worker, project=project, kind=kind, evidence=STEP_EVIDENCE[kind], now=at
            )
        if index == 0:
            services.project_complete(actor=worker, project=project, now=at + dt.timedelta(days=1))
            services.five_haves_set(
                actor=worker,
                compound=compound,
                marks=dict.fromkeys(FIVE_HAVES, True),
                now=at + dt.timedelta(days=1),
            )
    for compound in compounds[2:3]:
        services.five_haves_set(
            actor=worker,
            compound=compound,
            marks={"party_org": True, "platform": True},
            now=now - dt.timedelta(days=10),
        )
    return started


def _suggestion(community: OrgUnit) -> Petition | None:
    return (
        Petition.objects.filter(community=community, channel=Channel.SUGGESTION, topic__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def seed_consultations_demo(
    *, seed: int = CONSULTATIONS_SEED, now: dt.datetime | None = None
) -> ConsultationsSeedResult:
    """Create the demo topics that are missing (see the module's docstring)."""
    now = now or timezone.now()
    total = ConsultationsSeedResult()
    communities = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY).order_by("lft")
    with transaction.atomic():
        for community in communities:
            worker = _worker(community)
            if worker is None or Topic.objects.filter(community=community).exists():
                continue
            rng = random.Random(f"{seed}:{community.division_code or community.pk}")  # noqa: S311
            player = _Player(community, worker, rng, now)
            slots = [*SLOTS, rng.choice(ENDINGS)]
            for index, status in enumerate(slots):
                back = {
                    TopicStatus.CONCLUDED: rng.randint(45, 85),
                    TopicStatus.PUBLISHED: 11,
                    TopicStatus.NOT_ADOPTED: rng.randint(20, 40),
                    TopicStatus.WITHDRAWN: rng.randint(10, 30),
                    TopicStatus.DECIDED: 10,
                    TopicStatus.DELIBERATED: 6,
                    TopicStatus.PROPOSED: 5,
                    TopicStatus.SOLICITED: 2,
                }[status]
                start = now - dt.timedelta(days=back, hours=rng.randint(0, 8))
                petition = _suggestion(community) if status == TopicStatus.SOLICITED else None
                player.play(index, status, start, petition)
            total.created_topics += player.result.created_topics
            total.created_votes += player.result.created_votes
            total.created_meetings += player.result.created_meetings
            total.created_projects += _projects(community, worker, rng, now)
    return total
