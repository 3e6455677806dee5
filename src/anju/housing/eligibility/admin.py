"""City administrators add dated parameter values (with their 文号); the files' history and every addition
together are the parameters in force. Nothing is overwritten: a value for a date that already has one is
refused, and earlier dates keep deciding the cases evaluated on them."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core.refusals import Refused
from anju.housing.eligibility.params import LABELS, CityParameters, Value, parameters_for
from anju.housing.models import ParameterValue

WHOLE_MONTHS = frozenset({"reapply_after_refusal_months", "reapply_after_exit_months"})


class ParameterRefused(Refused):
    """The value cannot be added; ``message`` says why."""


def parameters_in_force(*, session: Session, city_code: str) -> CityParameters:
    """The city's file parameters plus every value its administrators added."""
    base = parameters_for(city_code)
    values = {name: list(rows) for name, rows in base.values.items()}
    added = session.scalars(
        select(ParameterValue)
        .where(ParameterValue.city_code == city_code)
        .order_by(ParameterValue.effective_from)
    )
    for row in added:
        values[row.name].append(
            Value(
                name=row.name,
                value=Decimal(row.value),
                effective_from=row.effective_from,
                source=row.source,
                provisional=False,
            )
        )
    for rows in values.values():
        rows.sort(key=lambda v: v.effective_from)
    return dataclasses.replace(base, values=values)


def parameter_add(
    *, session: Session, city_code: str, name: str, value: str, effective_from: str, source: str, actor: str
) -> ParameterValue:
    """Add one dated value (raises ParameterRefused with the reason)."""
    if name not in LABELS:
        raise ParameterRefused("没有这个参数。")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ParameterRefused("参数值应为数字，例如 60000 或 0.7。") from None
    if name in WHOLE_MONTHS:  # a waiting period: 0 is a city's way of having none
        if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
            raise ParameterRefused("等待期应为 0 或正整数（月）。")
        amount = Decimal(int(amount))
    elif not amount.is_finite() or amount <= 0:
        raise ParameterRefused("参数值应为大于 0 的数字。")
    try:
        day = date.fromisoformat(effective_from.strip())
    except ValueError:
        raise ParameterRefused("生效日期应为 YYYY-MM-DD 格式的日期。") from None
    source = " ".join(source.split())
    if len(source) < 4:
        raise ParameterRefused("请写明依据：文件名称和文号，例如“榕政办〔2026〕12号”。")
    current = parameters_in_force(session=session, city_code=city_code)
    if any(v.effective_from == day for v in current.values[name]):
        raise ParameterRefused(f"{day} 已有该参数的值；不能覆盖，请选择新的生效日期。")
    row = ParameterValue(
        city_code=city_code,
        name=name,
        value=str(amount),
        effective_from=day,
        source=source[:200],
        added_by=actor,
    )
    session.add(row)
    session.flush()
    return row
