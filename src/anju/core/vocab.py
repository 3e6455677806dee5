"""The case statuses every system speaks (GLOSSARY.md), with the labels people read."""

from __future__ import annotations

from typing import Final

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
    "approved": "已批准",
    "rejected": "不予批准",
    "waitlisted": "轮候中",
    "allocated": "已配租",
    "closed": "已办结",
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


def status_label(status: str) -> str:
    """The Chinese label of a status code (the code itself if unknown, never an empty string)."""
    return CASE_STATUS_LABELS.get(status, status)
