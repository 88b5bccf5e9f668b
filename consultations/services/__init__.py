"""The writes of the consultations app: ``topics`` (一征三议两公开 and the votes) and
``meetings`` (meetings, invitees, sign-in, minutes; a decision ordered as a work order; the
notice boards) and ``projects`` (micro-governance projects and the compounds' 五有)."""

from consultations.services.meetings import (
    meeting_cancel,
    meeting_hold,
    meeting_invite,
    meeting_schedule,
    meeting_sign_in,
    notice_board_set,
    result_from_work_order,
    topic_order_work,
)
from consultations.services.projects import (
    five_haves_set,
    project_cancel,
    project_complete,
    project_fund_add,
    project_start,
    project_step,
)
from consultations.services.topics import (
    topic_decide,
    topic_deliberate,
    topic_propose,
    topic_publish,
    topic_publish_result,
    topic_solicit,
    topic_withdraw,
    vote_record,
)

__all__ = [
    "five_haves_set",
    "meeting_cancel",
    "meeting_hold",
    "meeting_invite",
    "meeting_schedule",
    "meeting_sign_in",
    "notice_board_set",
    "project_cancel",
    "project_complete",
    "project_fund_add",
    "project_start",
    "project_step",
    "result_from_work_order",
    "topic_decide",
    "topic_deliberate",
    "topic_order_work",
    "topic_propose",
    "topic_publish",
    "topic_publish_result",
    "topic_solicit",
    "topic_withdraw",
    "vote_record",
]
