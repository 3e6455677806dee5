"""The case statuses every system speaks (GLOSSARY.md), with the labels people read."""

from __future__ import annotations

from typing import Final

from anju.core import regions

# Status codes cross systems on the bus; labels are what applicants and clerks see.
CASE_STATUS_LABELS: Final[dict[str, str]] = {
    "draft": "草稿",
    "submitted": "已提交",
    "corrections_requested": "待补正",
    "not_accepted": "不予受理",
    "accepted": "已受理",
    "first_review": "初审中",
    "review": "审核中",
    "public_notice": "公示中",
    "rechecking": "异议复核中",
    "approved": "已批准",
    "rejected": "不予批准",
    "waitlisted": "轮候中",
    "offered": "待确认配租",
    "allocated": "已配租",
    "closed": "已办结",
    "reverifying": "年审核查中",
    "exiting": "退出中",
    "exited": "已退出",
    "withdrawn": "已撤回",
}

APPLICANT_GROUP_LABELS: Final[dict[str, str]] = {
    "dibao": "城镇低保、特困住房困难家庭",
    "low_income": "城镇低收入住房困难家庭",
    "lower_middle_income": "城镇中等偏下收入住房困难家庭",
    "new_graduate": "新就业无房职工",
    "migrant_worker": "在城镇稳定就业的外来务工人员",
}

CHANNEL_LABELS: Final[dict[str, str]] = {
    "web": "网上办理",
    "h5": "移动端",
    "counter": "窗口",
    "kiosk": "自助终端",
}


# In the applicant's timeline, housing's own "submitted" (the case received, or received again after
# 补正) follows the platform's "submitted" (the applicant sent it): the same status, said as what happened.
HOUSING_EVENT_LABELS: Final[dict[str, str]] = {"submitted": "已接收，待受理"}
# Steps that leave the status as it was, or come back to one, said as what happened.
HOUSING_STEP_LABELS: Final[dict[str, str]] = {
    "lease_signed": "已签署租赁合同",
    "reverify_kept": "年审核实，继续保障",
    "exit_withdrawn": "撤销退出",
}


def status_label(status: str) -> str:
    """The Chinese label of a status code (the code itself if unknown, never an empty string)."""
    return CASE_STATUS_LABELS.get(status, status)


def event_label(*, source: str, status: str, event: str = "") -> str:
    """The label of one timeline entry: what happened, from the system that reported it."""
    if source == "housing" and event in HOUSING_STEP_LABELS:
        return HOUSING_STEP_LABELS[event]
    if source == "housing" and status in HOUSING_EVENT_LABELS:
        return HOUSING_EVENT_LABELS[status]
    return status_label(status)


# The registers an application's evidence comes from (platform/backfill/sources.yaml names them the same;
# tests/test_vocab.py keeps the two in step).
SOURCE_LABELS: Final[dict[str, str]] = {
    "hukou": "户籍信息",
    "residence_permit": "居住证信息",
    "marriage": "婚姻登记信息",
    "dibao": "低保、特困人员信息",
    "education": "学历信息（学信网）",
    "social_insurance": "社会保险参保缴费信息",
    "property": "不动产登记信息",
    "vehicle": "机动车登记信息",
    "elicence": "电子证照",
    "assistance": "保障性住房信息",
}

EVIDENCE_STATUS_LABELS: Final[dict[str, str]] = {
    "found": "已查询到",
    "no_record": "该部门没有记录",
    "failed": "查询失败",
    "no_consent": "未授权，未查询",
    "circuit_open": "该部门暂停服务，未查询",
}


# How a rule's comparison reads to a resident (the evaluator's symbols stay in the staff's trace).
COMPARISON_WORDS: Final[dict[str, str]] = {">=": "不少于", "<=": "不超过", "<": "低于"}


# Statuses that decide an application, and those after which nothing more happens to it.
DECISION_STATUSES: Final[frozenset[str]] = frozenset({"not_accepted", "approved", "rejected"})
FINAL_STATUSES: Final[frozenset[str]] = frozenset(
    {"not_accepted", "rejected", "closed", "withdrawn", "exited"}
)


def housing_office_name(city_code: str) -> str:
    """The office that handles a jurisdiction's cases, as applicants read it (e.g. 福州市住房保障部门)."""
    return f"{regions.get(city_code).name}住房保障部门"
