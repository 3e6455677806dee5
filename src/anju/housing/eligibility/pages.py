"""The city's eligibility parameters: each value in force, its history and source; a new value (with
its effective date and source) entered by the city's administrator only (decision 0025)."""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core import regions
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.web import page_router, path_for
from anju.housing.eligibility.admin import ParameterRefused, parameter_add, parameters_in_force
from anju.housing.eligibility.params import LABELS, NoRuleInForce
from anju.housing.models import StaffUser
from anju.housing.web import RuntimeDep, StaffId, error_page, render, staff_of

router = page_router(prefix="/staff")


def _parameters_context(session: Session, staff: StaffUser, **extra: Any) -> dict[str, Any]:
    city = regions.jurisdiction_of(staff.region_code)
    params = parameters_in_force(session=session, city_code=city.code)
    today = shanghai_date(utcnow())
    rows = []
    for name, values in params.values.items():
        try:
            current = params.in_force(name, today)
        except NoRuleInForce:
            current = None
        rows.append(
            {"name": name, "label": LABELS[name], "current": current, "history": list(reversed(values))}
        )
    return {
        "title": f"{city.name}申请条件参数",
        "city": city.name,
        "rows": rows,
        "ruleset": params.ruleset(today),
        "can_add": staff.role == "city_admin",
        "error": "",
        "values": {},
        **extra,
    }


@router.get("/parameters", name="staff_parameters")
def staff_parameters(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The parameters in force in the member's city, with their history."""
    with runtime.db.transaction() as session:
        context = _parameters_context(session, staff_of(session, staff_id))
    return render(request, "staff_parameters.html", context)


@router.post("/parameters", name="staff_parameters_add")
def staff_parameters_add(
    request: Request,
    staff_id: StaffId,
    runtime: RuntimeDep,
    name: str = Form(""),
    value: str = Form(""),
    effective_from: str = Form(""),
    source: str = Form(""),
) -> Response:
    """Add a dated value (never changing one already in force)."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role != "city_admin":
            message = "只有市级管理员可以新增参数值。"
            return error_page(request, 403, title="无权修改", message=message, code="forbidden")
        city = regions.jurisdiction_of(staff.region_code).code
        try:
            parameter_add(
                session=session,
                city_code=city,
                name=name,
                value=value,
                effective_from=effective_from,
                source=source,
                actor=staff.username,
            )
        except ParameterRefused as exc:
            values = {"name": name, "value": value, "effective_from": effective_from, "source": source}
            context = _parameters_context(session, staff, error=exc.message, values=values)
            return render(request, "staff_parameters.html", context, 400)
    return RedirectResponse(path_for(request, "staff_parameters") + "?added=1", status_code=303)
