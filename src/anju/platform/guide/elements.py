"""The service item in the national element list (standards.md §6.3, the 一体化政务服务平台's 实施清单), made
from the same data as the guide — so the item the province lists and the guide a resident reads cannot
disagree (issue 17).

Field names are the national schema's columns where standards.md records them (``task_name``,
``catalog_code``, ``task_code``, ``link_addr``, ``mobile_terminal_url``, ``is_single_login`` …); the
meaning of each is the element's Chinese name beside it. What nobody has assigned or confirmed is null or
marked and listed in ``provisional``: the item's codes (the 省级事项库 assigns them), the code values of
the enumerations, and every default the guide itself marks 待核实.
"""

from __future__ import annotations

from typing import Any

PENDING_CODE = None  # the 基本编码 (12) and 实施编码 (31–36) are the 省级事项库's to assign: none is invented


def _conditions(guide: dict[str, Any]) -> list[str]:
    groups = guide["conditions"].get("groups", [])
    return [f"{g['label']}：{'；'.join(g['conditions'])}" for g in groups]


def _materials(guide: dict[str, Any]) -> list[dict[str, Any]]:
    deferrable = set(guide["deferral"]["materials"]) if guide["deferral"]["allowed"] else set()
    exempt = [
        {
            "material_name": m["name"],
            "material_necessity": "必要",
            "source_channel": "政府部门核发（经申请人授权共享查询，免提交）",
            "source_explain": m["replaced_by"],
            "material_form": "无需提交",
        }
        for m in guide["materials"]["exempt"]
    ]
    needed = [
        {
            "material_name": m["name"],
            "material_necessity": "非必要",
            "source_channel": "申请人自备",
            "source_explain": m["when"],
            "material_form": m["form"],
        }
        for m in guide["materials"]["needed"]
    ]
    for m in exempt:  # a register that cannot answer: its paper may follow at a window (容缺受理)
        m["deferrable_at_window"] = any(m["material_name"] in d for d in deferrable)
    return exempt + needed


def item_elements(guide: dict[str, Any], *, platform_url: str) -> dict[str, Any]:
    """One city's item, element by element (``guide`` as guide_for returns it)."""
    limits = {s["step"]: s for s in guide["limits"]}
    acceptance = limits.get("acceptance", {})
    return {
        "task_name": guide["name"],  # 事项名称
        "catalog_code": PENDING_CODE,  # 基本编码
        "task_code": PENDING_CODE,  # 实施编码
        "task_type": guide["type"],  # 事项类型
        "by_law": guide["basis"],  # 设定依据
        "dept_name": guide["authority"],  # 实施主体
        "accept_condition": _conditions(guide),  # 受理条件
        "anticipate_day": acceptance.get("limit"),  # 法定办结时限: only the acceptance step's is law
        "anticipate_type": acceptance.get("unit"),
        "promise_steps": guide["limits"],  # 承诺办结时限, step by step (the office's clock, provisional)
        "project_type": "承诺件",  # 办件类型: reviewed, not done on the spot
        "serve_object": "自然人",  # 服务对象
        "handle_type": guide["forms"],  # 办理形式
        "limit_scene_num": 0,  # 到办事现场次数: online and at a kiosk none; a window is a choice
        "is_charge": guide["fee"] != "不收费",  # 是否收费
        "handle_flow": guide["process"],  # 办理流程
        "link_way": guide["consult"],  # 咨询方式
        "supervise_way": guide["complain"],  # 监督投诉方式
        "transact_addr": guide["place"]["address"],  # 办理地点
        "transact_time": guide["place"]["hours"],  # 办理时间
        "result_name": guide["result"],  # 审批结果名称
        "link_addr": f"{platform_url}/applications/new",  # 计算机端在线办理跳转地址
        "mobile_terminal_url": f"{platform_url}/mzt/enter?next=/applications/new",  # 移动端办理地址
        "is_single_login": True,  # 计算机端是否对接单点登录 (统一身份认证)
        "app_is_single_login": True,  # 移动端是否对接单点登录 (闽政通, decision 0029)
        "is_window_deferral": guide["deferral"]["allowed"],  # 容缺受理 (not a national column: ours)
        "materials": _materials(guide),  # 材料
        "version": guide["version"],
        "provisional": [
            "catalog_code",
            "task_code",
            "task_type",
            "limit_scene_num",
            "promise_steps",
            "transact_addr",
            "transact_time",
            "is_window_deferral",
            "materials.source_channel",
        ],
    }
