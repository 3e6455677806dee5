"""`anju sandbox …`: build the sandbox's synthetic population (registered by anju.cli as `sandbox`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from anju.core.db import Database
from anju.core.settings import Settings

sandbox_app = typer.Typer(help="联调测试环境（沙箱）：合成人口与登记数据", no_args_is_help=True)
console = Console()

_TABLE_LABELS: dict[str, str] = {
    "pop_hukou_book": "户口簿 hukou books",
    "pop_person": "人员（户籍） persons",
    "reg_residence_permit": "居住证 residence permits",
    "reg_marriage": "婚姻登记 marriage records",
    "reg_dibao": "低保/特困 assistance",
    "reg_education": "学历 education",
    "reg_insurance_span": "社保缴费 insurance spans",
    "reg_property": "不动产 homes",
    "reg_vehicle": "车辆 vehicles",
}


@sandbox_app.command()
def generate(
    people: Annotated[
        int, typer.Option("--people", min=0, help="random persons to have (demo households come on top)")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same population")] = 20261127,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db-url", help="sandbox database URL (default: ANJU_SANDBOX_DB_URL or ./var/sandbox.db)"
        ),
    ] = None,
) -> None:
    """Seed the demo households and generate a deterministic random population of Fujian."""
    from anju.sandbox.models import metadata
    from anju.sandbox.population import models as _models  # noqa: F401 - registers the tables
    from anju.sandbox.population.generator import population_generate, population_summary

    db = Database(db_url or Settings().db_url("sandbox"))
    try:
        metadata.create_all(db.engine)
        with Progress(
            TextColumn("[bold]生成人口[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("people", total=people)
            stats = population_generate(
                db=db, people=people, seed=seed, progress=lambda done: bar.update(task, completed=done)
            )
        summary = population_summary(db=db)
    finally:
        db.dispose()

    table = Table(title=f"沙箱人口 (seed {seed}) — {stats.seconds:.1f} s")
    table.add_column("register")
    table.add_column("added", justify="right")
    table.add_column("total", justify="right")
    for name, label in _TABLE_LABELS.items():
        table.add_row(label, f"{stats.rows[name]:,}", f"{summary[name]:,}")
    console.print(table)
    console.print(
        f"新增随机人员 {stats.people:,} 人，示范人员 {stats.demo_people} 人，户口簿 {stats.households:,} 本"
    )
