"""`anju catalog …`: export the unified form specification and the data-sharing needs list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from anju.platform.catalog.service import catalog_exports, form_catalog

catalog_app = typer.Typer(help="全省统一申请表：字段规范与数据共享需求清单", no_args_is_help=True)
console = Console()
DEFAULT_OUT = Path(__file__).resolve().parents[4] / "docs" / "catalog"


@catalog_app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="folder for the Markdown and CSV files")] = DEFAULT_OUT,
) -> None:
    """Write form-spec.{md,csv} and data-sharing-needs.{md,csv} from form.yaml."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in catalog_exports().files.items():
        (out / name).write_text(text, encoding="utf-8")
        console.print(f"wrote {out / name}")
    console.print(f"{len(form_catalog().fields)} fields")
