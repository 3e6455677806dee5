"""`anju eligibility assess --city 350100 --on 2026-11-27 situation.json` prints the result as JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.params import NoRuleInForce
from anju.housing.eligibility.situation import Situation

eligibility_app = typer.Typer(help="公租房申请条件：按各地规则判断并说明理由", no_args_is_help=True)


def situation_load(raw: dict[str, object], *, city: str) -> Situation:
    """A situation from JSON, with the city given on the command line (raises ValueError with the reason)."""
    given = raw.get("city_code")
    if given is not None and given != city:
        raise ValueError(f"situation.json 的 city_code（{given}）与 --city（{city}）不一致")
    return Situation.model_validate({**raw, "city_code": city})


@eligibility_app.command("assess")
def assess_command(
    situation: Annotated[Path, typer.Argument(help="a household situation (docs/interfaces/eligibility.md)")],
    city: Annotated[str, typer.Option(help="the jurisdiction: 350100…350900 or 350128")],
    on: Annotated[str, typer.Option(help="the reference date, YYYY-MM-DD")],
) -> None:
    """Assess one household on a date; the result (JSON) names the rule-set version."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        typer.echo(f"错误：参考日期“{on}”不是 YYYY-MM-DD 格式的日期", err=True)
        raise typer.Exit(2) from None
    try:
        raw = json.loads(situation.read_text(encoding="utf-8"))
        result = eligibility_assess(situation_load(raw, city=city), on=day)
    except (OSError, json.JSONDecodeError) as exc:
        typer.echo(f"错误：无法读取 {situation}：{exc}", err=True)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            typer.echo(f"错误：{where}：{error['msg']}", err=True)
        raise typer.Exit(2) from None
    except (ValueError, NoRuleInForce) as exc:
        typer.echo(f"错误：{getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
