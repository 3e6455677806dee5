"""The embedded default: platform, housing and sandbox in one process, each under its own path.

This module (like cli.py) is the composition root: the only place that knows all three systems. The
systems still talk to each other over HTTP, through the same URLs they would use across machines.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route

from anju.core.migrate import migrate_upgrade
from anju.core.runtime import Runtime, ensure_keys
from anju.core.settings import Settings, SystemName
from anju.housing import app as housing_app
from anju.housing.intake.fetch import fetch_thread_start
from anju.housing.records.seed import records_seed_demo
from anju.housing.review.jobs import review_jobs_loop
from anju.housing.staff.seed import DEMO_STAFF_PASSWORD, demo_staff, staff_seed_demo
from anju.platform import app as platform_app
from anju.platform.channels.counter.clerks import DEMO_CLERK_PASSWORD, clerk_seed_demo, demo_clerks
from anju.platform.evaluation import service as evaluation_service
from anju.platform.identity.terminals import terminal_register
from anju.platform.metrics import rollup
from anju.sandbox import app as sandbox_app
from anju.sandbox.devices import kiosk as kiosk_device
from anju.sandbox.population.generator import population_summary
from anju.sandbox.population.service import DEMO_PASSWORD, personas_load


def runtime_for(system: SystemName, settings: Settings) -> Runtime:
    """Build one system's runtime."""
    factory = {
        "platform": platform_app.platform_runtime,
        "housing": housing_app.housing_runtime,
        "sandbox": sandbox_app.sandbox_runtime,
    }[system]
    return factory(settings)


def app_for(system: SystemName, settings: Settings, runtime: Runtime) -> Any:
    """Build one system's ASGI app."""
    factory = {
        "platform": platform_app.create_app,
        "housing": housing_app.create_app,
        "sandbox": sandbox_app.create_app,
    }[system]
    return factory(settings, runtime=runtime)


def migrate_all(settings: Settings) -> None:
    """Create keys on first run and bring every database up to date."""
    ensure_keys(settings)
    migrate_upgrade(system="platform", url=settings.db_url("platform"))
    migrate_upgrade(system="housing", url=settings.db_url("housing"))


DEMO_PEOPLE = 2000


def seed_all(settings: Settings, *, people: int | None = DEMO_PEOPLE) -> dict[str, int]:
    """Seed the sandbox (personas, demo households, ``people`` synthetic persons) and housing's demo data."""
    sandbox = sandbox_app.sandbox_runtime(settings)
    housing = housing_app.housing_runtime(settings)
    platform = platform_app.platform_runtime(settings)
    try:
        residents = sandbox_app.sandbox_prepare(sandbox, people=people)
        with housing.db.transaction() as session:
            staff = staff_seed_demo(session=session)
            records = records_seed_demo(session=session, index=housing.blind_index)
        with platform.db.transaction() as session:  # the demo window clerks (the counter channel)
            clerks = clerk_seed_demo(session=session)
        with platform.db.transaction() as session:  # the sandbox's demo kiosk and window are registered
            for terminal in kiosk_device.DEMO_TERMINALS.values():
                terminal_register(
                    session=session,
                    terminal_id=terminal.terminal_id,
                    name=terminal.name,
                    kind=terminal.kind,
                    public_key=kiosk_device.demo_terminal_key(
                        settings.key_directory, terminal.kind
                    ).public_key.to_hex(),
                )
        population = population_summary(db=sandbox.db)
    finally:
        sandbox.stop()
        housing.stop()
        platform.stop()
    return {
        "residents": residents,
        "staff": staff,
        "clerks": clerks,
        "assistance_records": records,
        "people": population.get("pop_person", 0),
    }


@dataclass
class Embedded:
    """The three systems, their runtimes and the combined app."""

    app: Starlette
    runtimes: dict[SystemName, Runtime]

    def start_workers(self) -> None:
        """Run the outbox workers of platform and housing in background threads."""
        for system in ("platform", "housing"):
            self.runtimes[system].start_worker_thread()
        housing = self.runtimes["housing"]
        fetch_thread_start(housing)
        threading.Thread(
            target=review_jobs_loop,
            kwargs={
                "db": housing.db,
                "outbox": housing.tables.outbox,
                "audit": housing.audit,
                "cipher": housing.cipher,
                "key_directory": housing.settings.key_directory,
                "stop": housing.stop_event,
                "poll_seconds": housing.settings.deadlines_poll_seconds,
            },
            name="housing-review-jobs",
            daemon=True,
        ).start()
        platform = self.runtimes["platform"]
        threading.Thread(
            target=evaluation_service.hcp_tasks_loop,
            args=(platform,),
            kwargs={"poll_seconds": platform.settings.deadlines_poll_seconds},
            name="platform-hcp-tasks",
            daemon=True,
        ).start()
        threading.Thread(
            target=rollup.metrics_rollup_loop,
            args=(platform.db,),
            kwargs={"stop": platform.stop_event, "poll_seconds": platform.settings.metrics_rollup_seconds},
            name="platform-metrics-rollup",
            daemon=True,
        ).start()

    def stop(self) -> None:
        """Stop workers and close every database."""
        for runtime in self.runtimes.values():
            runtime.stop()


def create_embedded(settings: Settings, *, workers: bool = True) -> Embedded:
    """One ASGI app serving /platform, /housing and /sandbox."""
    runtimes: dict[SystemName, Runtime] = {
        s: runtime_for(s, settings) for s in ("platform", "housing", "sandbox")
    }
    holder: dict[str, Embedded] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if workers:
            holder["embedded"].start_workers()
        try:
            yield
        finally:
            holder["embedded"].stop()

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(index_page(settings))

    async def healthz(request: Request) -> JSONResponse:
        """The process answers (each system's /readyz under its mount says whether its database does)."""
        return JSONResponse({"status": "ok", "system": "embedded"})

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            *(
                Mount(f"/{s}", app=app_for(s, settings, runtimes[s]))
                for s in ("platform", "housing", "sandbox")
            ),
        ],
        lifespan=lifespan,
    )
    embedded = Embedded(app=app, runtimes=runtimes)
    holder["embedded"] = embedded
    return embedded


def index_page(settings: Settings) -> str:
    """A plain page linking the three systems (the embedded default only)."""
    systems: tuple[tuple[SystemName, str], ...] = (
        ("platform", "集成化办理平台（申请人）"),
        ("housing", "公租房管理信息系统（工作人员）"),
        ("sandbox", "联调测试环境（沙箱）"),
    )
    links = "".join(
        f'<li><a href="{settings.base_url(s)}/">{label}</a> <code>{settings.base_url(s)}/</code></li>'
        for s, label in systems
    )
    return (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f'<title>安居</title><body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em"><h1>安居</h1><ul>{links}</ul></body></html>'
    )


def demo_accounts_text(settings: Settings) -> str:
    """What `anju serve` prints: URLs and demo accounts."""
    lines = [
        "安居 Anju — embedded default",
        f"  申请人 platform : {settings.base_url('platform')}/",
        f"  工作人员 housing : {settings.base_url('housing')}/staff/login",
        f"  沙箱 sandbox     : {settings.base_url('sandbox')}/",
        f"  办事指南         : {settings.base_url('platform')}/guide",
        f"  进度查询         : {settings.base_url('platform')}/progress",
        f"  公示             : {settings.base_url('platform')}/public-notices",
        f"  文书验证         : {settings.base_url('platform')}/decisions/verify",
        f"  短信（联调）     : {settings.base_url('sandbox')}/sms",
        f"  好差评（联调）   : {settings.base_url('sandbox')}/hcp",
        f"  自助终端         : {settings.base_url('sandbox')}/devices/kiosk（先启用本浏览器为终端）→ {settings.base_url('platform')}/kiosk",
        f"  窗口（建设中）   : {settings.base_url('platform')}/counter/login",
        "",
        f"Demo residents (sign in through the sandbox 统一身份认证, password {DEMO_PASSWORD}):",
    ]
    lines += [
        f"  {p['name']}  {p['id_number']}  实名等级 {p['real_name_level']}  {p.get('note', '')}"
        for p in personas_load()
    ]
    lines += ["", f"Demo staff (password {DEMO_STAFF_PASSWORD}):"]
    lines += [f"  {a['username']:<16} {a['display_name']}" for a in demo_staff()]
    lines += ["", f"Demo window clerks at the counter (password {DEMO_CLERK_PASSWORD}):"]
    lines += [f"  {a['username']:<18} {a['centre']} {a['window']}" for a in demo_clerks()]
    return "\n".join(lines)
