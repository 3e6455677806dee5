"""The `anju` command."""

from __future__ import annotations

import json
import signal
import threading
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import authlib.deprecate  # noqa: F401 - installs its filter before ours (below)
import httpx
import typer
import uvicorn
from cryptography.utils import CryptographyDeprecationWarning
from rich.console import Console

from anju.core.anchors import anchors_fetch, anchors_send
from anju.core.audit import chain_name
from anju.core.httpclient import PeerResponseError
from anju.core.logs import configure_logging
from anju.core.settings import SYSTEMS, Settings, SystemName

# Nothing an operator cannot act on may reach the terminal. authlib 1.9 warns that its httpx integration
# will move to httpx2, and installs an "always" filter for its own warnings when first imported, so ours
# must come after that import; pyHanko imports cryptography's DSA types, which cryptography deprecates.
warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=DeprecationWarning)
warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning)

from anju.housing.eligibility.cli import eligibility_app  # noqa: E402 - after the warning filter
from anju.platform.catalog.cli import catalog_app  # noqa: E402 - after the warning filter
from anju.sandbox.population.cli import sandbox_app  # noqa: E402 - after the warning filter

app = typer.Typer(help="安居 Anju — Fujian 申请公租房一件事", no_args_is_help=True, add_completion=False)
console = Console()


def _settings_for(host: str, port: int, system: str | None) -> Settings:
    settings = Settings()
    defaults = Settings.model_fields
    # Default URLs follow --host/--port unless ANJU_*_URL says otherwise.
    overrides = {}
    for s in SYSTEMS:
        field = f"{s}_url"
        if getattr(settings, field) == defaults[field].default:
            overrides[field] = f"http://{host}:{port}/{s}" if system is None else getattr(settings, field)
    return settings.model_copy(update=overrides)


def proxies(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarded-header settings: believe X-Forwarded-For only from the configured proxies (none by
    default; uvicorn's own default believes anyone on loopback, which let one machine pose as many)."""
    trusted = settings.trusted_proxies.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}


@app.command()
def migrate(
    system: Annotated[
        str | None, typer.Argument(help="platform | housing; omit for both (and keys on first run)")
    ] = None,
) -> None:
    """Bring the databases up to date. Without a system (the embedded shape) it also makes the keys on first
    run; with one (production: a Job per system, keys mounted read-only) it migrates only that database."""
    from anju.core.migrate import migrate_upgrade
    from anju.embedded import migrate_all

    settings = Settings()
    if system is None:
        migrate_all(settings)
    elif system in ("platform", "housing"):
        migrate_upgrade(system=system, url=settings.db_url(system))  # type: ignore[arg-type]
    else:
        raise typer.BadParameter("platform or housing")
    console.print(f"[green]数据库已是最新版本[/green] ({system or 'platform, housing'})")


@app.command()
def seed() -> None:
    """Seed the sandbox's demo residents and the demo staff accounts (not for production)."""
    from anju.embedded import migrate_all, seed_all

    settings = Settings()
    migrate_all(settings)
    counts = seed_all(settings)
    console.print(
        f"沙箱人口 {counts['people']} 人（新增可登录测试居民 {counts['residents']} 名），"
        f"新增测试工作人员账号 {counts['staff']} 个、窗口人员账号 {counts['clerks']} 个，"
        f"保障性住房记录 {counts['assistance_records']} 条"
    )


@app.command()
def serve(
    system: Annotated[
        str | None, typer.Argument(help="platform | housing | sandbox; omit for all three")
    ] = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: bool = typer.Option(True, help="run the outbox workers in this process"),
) -> None:
    """Serve all three systems on one port (default), or one system alone."""
    from anju.embedded import app_for, create_embedded, demo_accounts_text, migrate_all, runtime_for
    from anju.sandbox import app as sandbox_app

    if system is not None and system not in SYSTEMS:
        raise typer.BadParameter(f"unknown system {system!r}; choose one of {', '.join(SYSTEMS)}")
    settings = _settings_for(host, port, system)
    configure_logging(settings.log_format)
    migrate_all(settings)
    if system is None:
        embedded = create_embedded(settings, workers=workers)
        sandbox_app.sandbox_prepare(embedded.runtimes["sandbox"])
        print(demo_accounts_text(settings), flush=True)
        uvicorn.run(
            embedded.app, host=host, port=port, log_config=None, access_log=False, **proxies(settings)
        )
        return
    name: SystemName = system  # narrowed by the SYSTEMS check above
    runtime = runtime_for(name, settings)
    if name == "sandbox":
        sandbox_app.sandbox_prepare(runtime)
    asgi = app_for(name, settings, runtime)
    if workers and name != "sandbox":
        runtime.start_worker_thread()
    if workers and name == "housing":
        from anju.housing.intake.fetch import fetch_thread_start

        fetch_thread_start(runtime)
    console.print(f"{name}: http://{host}:{port}/")
    try:
        uvicorn.run(asgi, host=host, port=port, log_config=None, access_log=False, **proxies(settings))
    finally:
        runtime.stop()


@app.command()
def worker(system: Annotated[str, typer.Argument(help="platform | housing")]) -> None:
    """Run one system's outbox worker alone (production: any number of these); housing's also fetches the
    files each case declares from the platform (decision 0035)."""
    from anju.embedded import runtime_for

    if system not in ("platform", "housing"):
        raise typer.BadParameter("only platform and housing have an outbox")
    settings = Settings()
    configure_logging(settings.log_format)
    runtime = runtime_for(system, settings)  # type: ignore[arg-type]
    stop = threading.Event()
    console.print(f"{system} outbox worker running; Ctrl+C to stop")
    if system == "housing":
        from anju.housing.intake.fetch import fetch_thread_start

        fetch_thread_start(runtime)
    try:
        runtime.outbox_worker().run_forever(stop=stop, poll_seconds=settings.outbox_poll_seconds)
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.stop()


@app.command()
def review_jobs() -> None:
    """Housing's duties once: statutory deadlines (deemed acceptance, lapsed 补正), then pending decisions
    sealed; for cron in production (the embedded server runs them every few minutes)."""
    from anju.embedded import runtime_for
    from anju.housing.review.jobs import review_jobs_once

    settings = Settings()
    runtime = runtime_for("housing", settings)
    try:
        run = review_jobs_once(
            db=runtime.db,
            outbox=runtime.tables.outbox,
            audit=runtime.audit,
            cipher=runtime.cipher,
            key_directory=settings.key_directory,
        )
    finally:
        runtime.stop()
    for case_no, due in run.recounted:
        console.print(f"{case_no}: 期限重新计算为 {due}")
    for case_no, event in run.enforced:
        console.print(f"{case_no}: {event}")
    for case_no in run.lapsed:
        console.print(f"{case_no}: 配租确认逾期，视为放弃")
    done, issued = run.enforced + [(c, "offer_lapsed") for c in run.lapsed], run.issued
    console.print(f"{len(done)} case(s) changed, {len(issued)} decision(s) issued")


banjian_app = typer.Typer(help="办件数据汇聚：一体化政务服务平台的受理、过程、结果记录", no_args_is_help=True)
app.add_typer(banjian_app, name="banjian")


@banjian_app.command("reconcile")
def banjian_reconcile_command() -> None:
    """Compare each case's 办件 records with what the 办件库 acknowledged; queue again what is missing
    (exit 1 when the 办件库 could not be asked about some case)."""
    from anju.embedded import runtime_for
    from anju.housing.banjian.records import banjian_reconcile

    runtime = runtime_for("housing", Settings())
    try:
        found = banjian_reconcile(
            db=runtime.db, outbox=runtime.tables.outbox, client=runtime.client, cipher=runtime.cipher
        )
    finally:
        runtime.stop()
    for record_id in found.requeued:
        console.print(f"重新发送 {record_id}")
    for case_no in found.unreachable:
        console.print(f"[red]{case_no}: 办件库无法访问，未能对账[/red]")
    console.print(
        f"{found.cases} 件已对账：已确认 {found.acknowledged} 条记录，投递中 {found.in_delivery} 条，"
        f"重新发送 {len(found.requeued)} 条，无法对账 {len(found.unreachable)} 件"
    )
    if found.unreachable:
        raise typer.Exit(1)


outbox_app = typer.Typer(help="消息投递：卡住的消息和重新投递", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("stuck")
def outbox_stuck_list(system: Annotated[str, typer.Argument(help="platform | housing")]) -> None:
    """Dead messages and messages waiting longer than 15 minutes, oldest first (exit 1 if any)."""
    from datetime import timedelta

    from anju.core.outbox import STUCK_AFTER_MINUTES, outbox_stuck
    from anju.embedded import runtime_for

    if system not in ("platform", "housing"):
        raise typer.BadParameter("only platform and housing have an outbox")
    runtime = runtime_for(system, Settings())  # type: ignore[arg-type]
    try:
        stuck = outbox_stuck(
            runtime.db, runtime.tables.outbox, older_than=timedelta(minutes=STUCK_AFTER_MINUTES)
        )
    finally:
        runtime.stop()
    for m in stuck:
        console.print(
            f"{m.message_id}  {m.status:<10} {m.topic} → {m.destination}  {m.case_no or '-'}  "
            f"{m.attempts} 次  {m.last_status or ''} {m.last_error[:120]}"
        )
    console.print(f"{len(stuck)} message(s) stuck")
    if stuck:
        raise typer.Exit(1)


@outbox_app.command("resend")
def outbox_resend(
    system: Annotated[str, typer.Argument(help="platform | housing")],
    message_id: Annotated[
        list[str] | None, typer.Option("--message-id", help="a dead message to send again")
    ] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="every dead message")] = False,
) -> None:
    """Send dead messages again, after the cause is fixed (they go back in the queue with fresh attempts)."""
    from anju.core.outbox import outbox_dead_ids, outbox_retry_dead
    from anju.embedded import runtime_for

    if system not in ("platform", "housing"):
        raise typer.BadParameter("only platform and housing have an outbox")
    if not message_id and not all_dead:
        raise typer.BadParameter("name --message-id (repeatable) or --all-dead")
    runtime = runtime_for(system, Settings())  # type: ignore[arg-type]
    try:
        ids = outbox_dead_ids(runtime.db, runtime.tables.outbox) if all_dead else list(message_id or [])
        requeued = [
            mid for mid in ids if outbox_retry_dead(runtime.db, runtime.tables.outbox, message_id=mid)
        ]
    finally:
        runtime.stop()
    for mid in set(ids) - set(requeued):
        console.print(f"[yellow]{mid}: not dead (already delivered, queued, or unknown)[/yellow]")
    console.print(f"{len(requeued)} message(s) queued again")


files_app = typer.Typer(
    help="办件材料：公租房系统从平台获取申请人上传的文件（decision 0035）", no_args_is_help=True
)
app.add_typer(files_app, name="files")


@files_app.command("status")
def files_status() -> None:
    """Files housing still waits for, oldest first (exit 1 if any has spent its tries)."""
    from anju.embedded import runtime_for
    from anju.housing.intake.fetch import attachments_unfetched

    runtime = runtime_for("housing", Settings())
    try:
        waiting = attachments_unfetched(db=runtime.db)
    finally:
        runtime.stop()
    for f in waiting:
        state = "获取失败" if f.state == "failed" else "等待获取"
        console.print(f"{f.case_no}  {state}  {f.filename}  {f.attempts} 次  {f.error[:120]}")
    failed = sum(1 for f in waiting if f.state == "failed")
    console.print(f"{len(waiting)} file(s) waiting, {failed} failed")
    if failed:
        raise typer.Exit(1)


@files_app.command("fetch")
def files_fetch() -> None:
    """Fetch every file that is due now, once (the housing workers do this continuously)."""
    from anju.embedded import runtime_for
    from anju.housing.intake.fetch import attachments_fetch_once

    runtime = runtime_for("housing", Settings())
    try:
        run = attachments_fetch_once(
            db=runtime.db,
            client=runtime.client,
            cipher=runtime.cipher,
            policy=runtime.retry_policy,
            limit=1000,
        )
    finally:
        runtime.stop()
    for case_no, filename in run.fetched:
        console.print(f"{case_no}  已获取  {filename}")
    for case_no, filename, error in run.failed:
        console.print(f"[yellow]{case_no}  未获取  {filename}：{error[:160]}[/yellow]")
    console.print(f"{len(run.fetched)} fetched, {len(run.failed)} failed")
    if run.failed:
        raise typer.Exit(1)


@files_app.command("retry")
def files_retry(
    case_no: Annotated[str | None, typer.Option("--case", help="only this case's files")] = None,
) -> None:
    """Try again the files whose tries were spent, after the cause is fixed (fresh tries, due now)."""
    from anju.embedded import runtime_for
    from anju.housing.intake.fetch import attachments_retry

    runtime = runtime_for("housing", Settings())
    try:
        count = attachments_retry(db=runtime.db, case_no=case_no)
    finally:
        runtime.stop()
    console.print(f"{count} file(s) queued again")


housing_app = typer.Typer(help="住房保障：一户一申请、轮候、配租、租赁与年审", no_args_is_help=True)
app.add_typer(housing_app, name="housing")


@housing_app.command("members")
def housing_members(batch: Annotated[int, typer.Option(help="cases per transaction")] = 500) -> None:
    """Record who is in each case received before one-household-one-application existed (housing migration
    0022), so the rule sees them too; safe to run again: nothing is added twice."""
    from rich.progress import Progress

    from anju.embedded import runtime_for
    from anju.housing.intake.service import case_members_backfill

    runtime = runtime_for("housing", Settings())
    last, added = 0, 0
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("登记办件家庭成员", total=None)
            while True:
                with runtime.db.transaction() as session:
                    after, more = case_members_backfill(
                        session=session,
                        cipher=runtime.cipher,
                        index=runtime.blind_index,
                        after_id=last,
                        batch=batch,
                    )
                if after == last:
                    break
                last, added = after, added + more
                progress.update(task, description=f"登记办件家庭成员：已到第 {last} 件")
    finally:
        runtime.stop()
    console.print(f"{added} member(s) recorded")


@housing_app.command("reverify")
def housing_reverify(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="年审 due on or before this day (YYYY-MM-DD; default today)")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="households per register call (at most 100)")] = None,
    limit: Annotated[int | None, typer.Option(help="stop after this many households (run in slices)")] = None,
    shard: Annotated[
        str, typer.Option(help="this run's part, I/N, when N runs share the round (e.g. 1/2 and 2/2)")
    ] = "1/1",
) -> None:
    """年审: ask the registers again about every tenancy due and open a review task where something changed.
    Resumable: run it again after a stop (or a register that did not answer) and it goes on with the same
    round, asking only what it was not yet told. Exit code 1 while households still wait for a register."""
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from anju.core.timeutil import today_shanghai
    from anju.embedded import runtime_for
    from anju.housing.reverify.service import Shard, reverify_run

    try:
        day = date.fromisoformat(as_of) if as_of else today_shanghai()
    except ValueError:
        console.print(f"[red]--as-of 应为 YYYY-MM-DD：{as_of}[/red]")
        raise typer.Exit(2) from None
    part, _, parts = shard.partition("/")
    if not (part.isdigit() and parts.isdigit() and 1 <= int(part) <= int(parts)):
        console.print(f"[red]--shard 应为 I/N，且 1 ≤ I ≤ N：{shard}[/red]")
        raise typer.Exit(2)
    runtime = runtime_for("housing", Settings())
    columns = (TextColumn("年审核查"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("reverify", total=None)
            run = reverify_run(
                db=runtime.db,
                client=runtime.client,
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
                as_of=day,
                today=today_shanghai(),
                actor="system:reverify",
                batch=batch,
                limit=limit,
                shard=Shard(index=int(part) - 1, of=int(parts)),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        runtime.stop()
    console.print(
        f"round {run.round_id}: {run.households} household(s) checked, {run.flagged} flagged for review, "
        f"{run.register_calls} register call(s), {run.waiting} waiting for a register"
        + ("; round finished" if run.finished else "; round still open: run again to go on")
    )
    if run.waiting:
        raise typer.Exit(1)


lottery_app = typer.Typer(help="配租摇号：用公开信息重新计算摇号结果", no_args_is_help=True)
app.add_typer(lottery_app, name="lottery")


@lottery_app.command("rerun")
def lottery_rerun(
    list_file: Annotated[Path, typer.Argument(help="the published list, saved as it was downloaded")],
    seed: Annotated[str, typer.Option(help="the published seed")],
    revealed: Annotated[str, typer.Option(help="housing's revealed value (64 hex digits)")],
    sm3: Annotated[str, typer.Option(help="the published SM3 of the list, to check")] = "",
    commitment: Annotated[str, typer.Option(help="the published commitment, to check")] = "",
) -> None:
    """Re-run a draw from its published inputs alone and print the order (docs/interfaces/lottery.md);
    exit 1 when an input does not match what was published."""
    from anju.housing.allocation import lottery

    text = list_file.read_bytes().decode("utf-8")
    try:
        order = lottery.rerun(text=text, seed=seed, sealed=revealed, digest=sm3, committed=commitment)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    lines = text.splitlines()[1:]
    typer.echo(f"# 名单 SM3 {lottery.list_digest(text)}，{len(lines)} 户；以下每行：摇号顺序、名单的一行")
    for rank, n in enumerate(order, start=1):
        typer.echo(f"{rank}\t{lines[n - 1]}")  # tab-separated, as the list: for a script to compare


calendar_app = typer.Typer(help="法定节假日安排：工作日期限按国务院办公厅通知计算", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("show")
def calendar_show() -> None:
    """Which years' holiday arrangements are known, and from where."""
    from anju.core import workdays
    from anju.core.timeutil import today_shanghai
    from anju.embedded import migrate_all, runtime_for
    from anju.housing.review.calendar import calendar_warning
    from anju.housing.review.holidays import calendar_load

    settings = Settings()
    migrate_all(settings)
    runtime = runtime_for("housing", settings)
    try:
        with runtime.db.transaction() as session:
            calendar_load(session=session)
    finally:
        runtime.stop()
    today = today_shanghai()
    for year in range(today.year - 1, today.year + 3):
        console.print(f"{year}: {workdays.year_source(year) or '未录入（跨入该年的期限暂按周末计算）'}")
    warning = calendar_warning(today)
    if warning:
        console.print(f"[yellow]{warning}[/yellow]")


@calendar_app.command("enter")
def calendar_enter(
    year: Annotated[int, typer.Option(help="the year the notice arranges")],
    source: Annotated[str, typer.Option(help="the notice's title and 文号")],
    holidays: Annotated[str, typer.Option(help="rest days: 2027-01-01..2027-01-03,2027-02-06..2027-02-14")],
    workdays: Annotated[str, typer.Option(help="make-up working days (Saturdays or Sundays)")] = "",
    by: Annotated[str, typer.Option(help="who enters it (recorded)")] = "ops",
) -> None:
    """Enter a year's statutory holidays from the State Council notice, then count every provisional
    deadline again and tell the applicants."""
    from anju.embedded import migrate_all, runtime_for
    from anju.housing.review.calendar import CalendarRefused, calendar_enter, dates_parse

    settings = Settings()
    migrate_all(settings)
    runtime = runtime_for("housing", settings)
    try:
        with runtime.db.transaction() as session:
            entered = calendar_enter(
                session=session,
                year=year,
                source=source,
                holidays=dates_parse(holidays),
                workdays_=dates_parse(workdays),
                actor=by,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
            )
    except CalendarRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    finally:
        runtime.stop()
    for case_no, due in entered.recounted:
        console.print(f"{case_no}: 期限重新计算为 {due}")
    console.print(f"{year}年节假日安排已录入；{len(entered.recounted)} 件办件的期限已重新计算")


@app.command()
def retention(
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would be erased, change nothing"),
) -> None:
    """Keep the retention promise of the consent notice: delete idle drafts, erase ended applications
    past their period (for cron, daily)."""
    from anju.embedded import runtime_for
    from anju.platform.applications.retention import retention_enforce, retention_rules

    settings = Settings()
    runtime = runtime_for("platform", settings)
    rules = retention_rules()
    try:
        with runtime.db.transaction() as session:
            run = retention_enforce(session=session, rules=rules, dry_run=dry_run)
    finally:
        runtime.stop()
    verb = "将删除" if dry_run else "已删除"
    console.print(f"{verb}：{len(run.drafts)} 份超过 {rules.draft_idle_days} 天未修改的草稿")
    erased = "将清除" if dry_run else "已清除"
    console.print(f"{erased}：{len(run.finished)} 件结束已满 {rules.years_after_final} 年的申请的个人信息")
    for number in run.finished:
        console.print(f"  {number}")


SYSTEMS_WITH_DATA = ("platform", "housing", "sandbox")


@app.command()
def backup(
    system: Annotated[str, typer.Argument(help="platform | housing | sandbox")],
    file: Annotated[
        Path, typer.Argument(help="备份写到这里（PostgreSQL：pg_dump 自定义格式；SQLite：数据库文件）")
    ],
) -> None:
    """Write a consistent copy of one system's database (docs/operations.md); exit 1 if it failed."""
    from anju.backup import BackupFailed
    from anju.backup import backup as backup_database

    if system not in SYSTEMS_WITH_DATA:
        raise typer.BadParameter("platform, housing or sandbox")
    try:
        info = backup_database(Settings().db_url(system), file)  # type: ignore[arg-type]
    except BackupFailed as exc:
        console.print(f"[red]备份失败[/red]：{exc.message}")
        raise typer.Exit(code=1) from exc
    console.print(f"{system}：{info.tables} 张表，{info.size_bytes:,} 字节 → {info.path}")


@app.command()
def restore(
    system: Annotated[str, typer.Argument(help="platform | housing | sandbox")],
    file: Annotated[Path, typer.Argument(help="anju backup 写的备份")],
    replace: Annotated[bool, typer.Option("--replace", help="目标数据库不是空的时，删除后重建")] = False,
) -> None:
    """Restore one system's database from a backup into an empty database (then run `anju audit verify`);
    exit 1 if it failed."""
    from anju.backup import BackupFailed
    from anju.backup import restore as restore_database

    if system not in SYSTEMS_WITH_DATA:
        raise typer.BadParameter("platform, housing or sandbox")
    try:
        tables = restore_database(Settings().db_url(system), file, replace=replace)  # type: ignore[arg-type]
    except BackupFailed as exc:
        console.print(f"[red]恢复失败[/red]：{exc.message}")
        raise typer.Exit(code=1) from exc
    console.print(
        f"{system}：已恢复 {tables} 张表。请接着运行 anju audit verify {system if system != 'sandbox' else ''}"
    )


keys_app = typer.Typer(
    help="签名密钥轮换：先预置新密钥，各对端登记后再启用（docs/operations.md）", no_args_is_help=True
)


@keys_app.command("stage")
def keys_stage(system: Annotated[str, typer.Argument(help="platform | housing | sandbox")]) -> None:
    """A rotation's first step: make the next signing key (not used yet) and print what each peer adds to
    its ANJU_PEER_KEYS_FILE beside the current key."""
    from anju.core import signing

    if system not in SYSTEMS_WITH_DATA:
        raise typer.BadParameter("platform, housing or sandbox")
    public = signing.stage_next_keypair(directory=Settings().key_directory, system=system)
    console.print(f"已预置 {system} 的新签名密钥 {public.key_id}（尚未启用）。请各对端在密钥登记文件中加入：")
    print(json.dumps({system: {public.key_id: public.to_hex()}}, ensure_ascii=False, indent=2))


@keys_app.command("promote")
def keys_promote(
    system: Annotated[str, typer.Argument(help="platform | housing | sandbox")],
    overlap_hours: Annotated[float, typer.Option(help="旧密钥在对端继续接受的小时数")] = 24.0,
) -> None:
    """A rotation's second step, once every peer accepts the new key: sign with it from each process's
    next start, and print the old key's entry with the end of the overlap for the peers' files."""
    from anju.core import signing
    from anju.core.timeutil import utcnow

    if system not in SYSTEMS_WITH_DATA:
        raise typer.BadParameter("platform, housing or sandbox")
    try:
        old, new = signing.promote_next_keypair(directory=Settings().key_directory, system=system)
    except FileNotFoundError as exc:
        console.print(f"[red]没有预置的新密钥[/red]：请先运行 anju keys stage {system}")
        raise typer.Exit(code=1) from exc
    until = (utcnow() + timedelta(hours=overlap_hours)).astimezone().isoformat(timespec="seconds")
    console.print(
        f"{system} 已改用密钥 {new.key_id}（各进程重启后生效）；旧密钥 {old.key_id} 到 {until} 停用。对端登记为："
    )
    entry = {system: {new.key_id: new.to_hex(), old.key_id: {"public_key": old.to_hex(), "not_after": until}}}
    print(json.dumps(entry, ensure_ascii=False, indent=2))


def _encrypted_columns(system: str, runtime: Any) -> Any:
    if system == "platform":
        from anju.platform.rekey import encrypted_columns
    elif system == "housing":
        from anju.housing.rekey import encrypted_columns
    else:
        raise typer.BadParameter("platform or housing")
    return encrypted_columns(runtime.tables.outbox)


@keys_app.command("rotate-data")
def keys_rotate_data(system: Annotated[str, typer.Argument(help="platform | housing")]) -> None:
    """A new SM4 data key encrypts what is written from each process's next start; the old keys still read
    what they wrote. Then run `anju keys reencrypt`."""
    from anju.core import crypto

    if system not in ("platform", "housing"):
        raise typer.BadParameter("platform or housing")
    key_id = crypto.rotate_data_key(directory=Settings().key_directory, system=system)
    console.print(
        f"{system} 的新数据密钥 {key_id} 已生效（各进程重启后用于加密）。接着运行 anju keys reencrypt {system}"
    )


@keys_app.command("reencrypt")
def keys_reencrypt(
    system: Annotated[str, typer.Argument(help="platform | housing")],
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="每个事务重新加密的行数")] = 500,
) -> None:
    """Re-encrypt every field still under an older data key, a batch per transaction; stop it at any time
    (Ctrl+C) and run it again to go on. Exit 0 when nothing is left under an older key."""
    from anju.core import rekey
    from anju.embedded import runtime_for

    runtime = runtime_for(system, Settings())  # type: ignore[arg-type]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    columns = _encrypted_columns(system, runtime)
    done = 0

    def progress(column: str, rows: int) -> None:
        nonlocal done
        done += rows
        console.print(f"  {column}: +{rows}（共 {done}）")

    try:
        run = rekey.rekey(runtime.db, runtime.cipher, columns, batch=batch, stop=stop, progress=progress)
        left = rekey.remaining(runtime.db, columns, key_id=None, current_key_id=runtime.cipher.current_key_id)
    except KeyboardInterrupt:
        console.print("[yellow]已停止；已完成的批次已保存，再次运行即可继续。[/yellow]")
        raise typer.Exit(code=1) from None
    finally:
        runtime.stop()
    for column, count in run.done.items():
        console.print(f"{column}：重新加密 {count} 条")
    if run.stopped or any(left.values()):
        console.print(f"[yellow]尚余 {sum(left.values())} 条未重新加密，再次运行即可继续。[/yellow]")
        raise typer.Exit(code=1)
    console.print(f"{system} 的全部字段都已使用当前数据密钥 {runtime.cipher.current_key_id}。")


@keys_app.command("retire-data")
def keys_retire_data(
    system: Annotated[str, typer.Argument(help="platform | housing")],
    key_id: Annotated[str, typer.Argument(help="要删除的旧数据密钥标识")],
) -> None:
    """Remove an old data key from the key file, once no field is encrypted under it (exit 1 otherwise)."""
    from anju.core import rekey
    from anju.embedded import runtime_for

    settings = Settings()
    runtime = runtime_for(system, settings)  # type: ignore[arg-type]
    try:
        rekey.retire_data_key(
            runtime.db,
            _encrypted_columns(system, runtime),
            directory=settings.key_directory,
            system=system,
            key_id=key_id,
        )
    except rekey.KeyInUse as exc:
        console.print(f"[red]密钥 {key_id} 仍在使用[/red]：{exc}。请先运行 anju keys reencrypt {system}")
        raise typer.Exit(code=1) from exc
    except ValueError as exc:
        console.print(f"[red]不能删除[/red]：{exc}")
        raise typer.Exit(code=1) from exc
    finally:
        runtime.stop()
    console.print(f"已从 {system} 的密钥文件中删除旧数据密钥 {key_id}。")


audit_app = typer.Typer(help="审计日志：个人信息查询记录与完整号码查看记录（哈希链）", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    system: Annotated[str | None, typer.Argument(help="platform | housing; omit for both")] = None,
) -> None:
    """Walk every audit chain and say where one breaks (exit status 1 if any does)."""
    from anju.embedded import runtime_for
    from anju.housing.models import AUDITED as HOUSING_AUDITED
    from anju.platform.models import AUDITED as PLATFORM_AUDITED

    audited = {"platform": PLATFORM_AUDITED, "housing": HOUSING_AUDITED}
    if system is not None and system not in audited:
        raise typer.BadParameter("only platform and housing keep audit logs")
    settings = Settings()
    broken = 0
    for name in [system] if system else list(audited):
        runtime = runtime_for(name, settings)  # type: ignore[arg-type]
        try:
            kept = anchors_fetch(runtime=runtime)  # the heads the other system holds for this one
            with runtime.db.transaction() as session:
                reports = [runtime.audit.verify(session, model) for model in audited[name]]
                anchored = {
                    chain_name(model): runtime.audit.anchor_check(session, model, seq=seq, head=head)
                    for model in audited[name]
                    if kept and chain_name(model) in kept
                    for seq, head in [kept[chain_name(model)]]
                }
        finally:
            runtime.stop()
        if kept is None:
            console.print(f"[yellow]{name}: 无法向对方系统核对链头（对方不可达），只核验了本库[/yellow]")
        for r in reports:
            before = f"；另有 {r.unchained} 条记录早于哈希链，未覆盖" if r.unchained else ""
            if r.intact and anchored.get(r.name):  # holds by itself, but no longer reaches the kept head
                broken += 1
                console.print(f"[red]{name}.{r.name} 已被篡改[/red]：{anchored[r.name]}")
            elif r.intact:
                console.print(
                    f"[green]{name}.{r.name} 完整[/green]：共 {r.checked} 条，"
                    f"链头 第 {r.head_seq} 条 {r.head_hash}{before}"
                )
            else:
                broken += 1
                console.print(
                    f"[red]{name}.{r.name} 已被篡改[/red]：{r.problem}（此前 {r.checked} 条完整）{before}"
                )
    if broken:
        raise typer.Exit(code=1)


@audit_app.command("anchor")
def audit_anchor(
    system: Annotated[str | None, typer.Argument(help="platform | housing; omit for both")] = None,
) -> None:
    """Send each system's chain heads to the other system for safe keeping (cron, hourly)."""
    from anju.embedded import runtime_for

    settings = Settings()
    failed = 0
    for name in [system] if system else ["platform", "housing"]:
        runtime = runtime_for(name, settings)  # type: ignore[arg-type]
        try:
            stored = anchors_send(runtime=runtime)
            console.print(f"{name}: {stored} 条链头已由对方系统保存")
        except (httpx.HTTPError, PeerResponseError) as exc:
            failed += 1
            console.print(f"[red]{name}: 链头没有送达对方系统（{type(exc).__name__}），请稍后重试[/red]")
        finally:
            runtime.stop()
    if failed:
        raise typer.Exit(code=1)


deploy_app = typer.Typer(
    help="生产形态：各系统独立进程与数据库、多副本、反向代理（决定 0033）", no_args_is_help=True
)


@deploy_app.command("local")
def deploy_local(
    postgres: Annotated[str, typer.Option(help="PostgreSQL 服务器地址，不含库名")],
    run_dir: Annotated[Path, typer.Option(help="日志、密钥和代理配置的目录")] = Path("var/deploy"),
    base_port: Annotated[int, typer.Option(help="平台在 +1，住房在 +2，沙箱在 +3")] = 8080,
    replicas: int = 2,
    workers: int = 2,
) -> None:
    """The production shape on this machine: platform and housing ×replicas behind HAProxy, workers apart,
    each system on its own PostgreSQL database; Ctrl+C stops everything it started."""
    from anju.deploy import Deployment, Shape

    shape = Shape(
        run_dir=run_dir.resolve(),
        postgres=postgres.rstrip("/"),
        base_port=base_port,
        replicas=replicas,
        workers=workers,
    )
    deployment = Deployment(shape)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        console.print("正在迁移数据库、写入演示数据并启动各进程……")
        deployment.start()
        for system in SYSTEMS:
            console.print(f"{system}: {shape.url(system)}/  （{len(shape.replica_ports(system))} 个副本）")
        console.print(f"日志：{shape.run_dir}/*.log；Ctrl+C 停止全部进程")
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        deployment.stop()


hcp_app = typer.Typer(help="好差评：省好差评系统的差评整改任务", no_args_is_help=True)


@hcp_app.command("tasks")
def hcp_tasks() -> None:
    """Fetch the province's 差评整改 tasks once, link them to our ratings and report back the rectifications
    already done (cron in production; the embedded server does it every few minutes). Exit 1 when the
    province could not be asked."""
    from anju.embedded import runtime_for
    from anju.platform.evaluation import hcp
    from anju.platform.evaluation import service as evaluation

    runtime = runtime_for("platform", Settings())
    try:
        pull = evaluation.hcp_tasks_pull(runtime)
    except (hcp.HcpUnavailable, hcp.HcpRefused) as exc:
        console.print(f"[red]没有取到整改任务[/red]：{exc}")
        raise typer.Exit(code=1) from exc
    finally:
        runtime.stop()
    console.print(
        f"新任务 {len(pull.received)} 条，其中找不到对应差评 {len(pull.unmatched)} 条；报回整改结果 {len(pull.reported)} 条"
    )
    for task_id in pull.unmatched:
        console.print(f"[yellow]{task_id}：本平台没有这件办件的差评，请核对[/yellow]")


metrics_app = typer.Typer(help="办件成效：按城市和月份汇总的统计", no_args_is_help=True)


@metrics_app.command("rollup")
def metrics_rollup_command(
    full: Annotated[
        bool, typer.Option("--all", help="重算所有城市和月份（首次运行，或批量导入之后）")
    ] = False,
) -> None:
    """Compute the dashboard's figures again for the city-months changed since the last run (cron every
    minute in production; the embedded server does it itself)."""
    from anju.embedded import runtime_for
    from anju.platform.metrics.rollup import metrics_rollup

    runtime = runtime_for("platform", Settings())
    try:
        run = metrics_rollup(runtime.db, full=full)
    finally:
        runtime.stop()
    console.print(f"重算 {run.groups} 个城市月份（{run.cities} 个城市），用时 {run.seconds:.1f} 秒")


seal_app = typer.Typer(help="电子印章：国密 SM2 印章的离线核验（GB/T 38540-2020）", no_args_is_help=True)


@seal_app.command("issue")
def seal_issue_command(system: Annotated[str, typer.Argument(help="platform | housing")]) -> None:
    """Make every seal a system will press, ahead of time: housing's office in each jurisdiction, or the
    platform's receipt seal. Run with the key directory writable, before it is mounted read-only (Kubernetes);
    a seal already there is kept."""
    from anju.core import regions, seal
    from anju.core.vocab import housing_office_name
    from anju.platform.applications.receipt import PLATFORM_SEAL

    if system == "housing":
        offices = [(city.code, housing_office_name(city.code)) for city in regions.jurisdictions()]
    elif system == "platform":
        offices = [(PLATFORM_SEAL["office_code"], PLATFORM_SEAL["office"])]
    else:
        raise typer.BadParameter("platform or housing")
    directory = seal.seal_directory(Settings().key_directory)
    for code, office in offices:
        material = seal.seal_material(directory, office_code=code, office=office)
        console.print(f"{code}：{office}（证书序列号 {material.certificate.serial_number}）")
    console.print(f"共 {len(offices)} 枚电子印章，位于 {directory}")


@seal_app.command("verify")
def seal_verify_command(
    file: Annotated[Path, typer.Argument(help="盖章的 PDF，或任何带有同名 .ses 签章文件的文件")],
    signature: Annotated[Path | None, typer.Option(help="分离的签章文件（默认：FILE.ses）")] = None,
    roots: Annotated[Path | None, typer.Option(help="可信的印章根证书 PEM（默认：本机配置）")] = None,
) -> None:
    """Check a sealed document offline: seal structure, certificates, SM2 signatures over SM3 of the content
    (exit 0 only when every check holds, 1 when one fails, 2 when there is nothing to check against)."""
    from anju.core import seal
    from anju.core.timeutil import to_shanghai

    settings = Settings()
    trusted = roots.read_bytes() if roots and roots.exists() else None
    trusted = trusted or (
        None if roots else seal.trusted_roots(settings.key_directory, settings.seal_ca_file)
    )
    if not file.is_file() or trusted is None:
        console.print(
            "[red]无法核验[/red]："
            + ("找不到文件" if not file.is_file() else "没有可信的印章根证书，请用 --roots 指定")
        )
        raise typer.Exit(code=2)
    check = seal.seal_verify_file(file, signature=signature, trusted_ca_pem=trusted)
    for item in check.checks:
        console.print(
            f"{'[green]通过[/green]' if item.ok else '[red]未通过[/red]'} {item.label}：{item.detail}"
        )
    when = f"（盖章时间 {to_shanghai(check.signed_at):%Y-%m-%d %H:%M:%S}）" if check.signed_at else ""
    ok = check.sealed and check.intact and check.trusted
    console.print(f"{'[green]' if ok else '[red]'}{check.summary}{'[/green]' if ok else '[/red]'}{when}")
    if not ok:
        raise typer.Exit(code=1)


fonts_app = typer.Typer(help="生僻字字体：CJK 扩展 B–F 的 HanaMinB 分片（页面与 PDF）", no_args_is_help=True)


@fonts_app.command("build")
def fonts_build_command(
    source: Path = typer.Option(
        Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
        help="HanaMinB.ttf (Debian: apt-get install fonts-hanazono)",
    ),
) -> None:
    """Cut HanaMinB into the slices the pages and PDFs use (src/anju/core/static/fonts)."""
    from anju.core.fonts import FONT_DIR, fonts_build

    if not source.is_file():
        console.print(f"[red]找不到字体文件 {source}；请先安装 fonts-hanazono 或用 --source 指定。[/red]")
        raise typer.Exit(1)
    built = fonts_build(source=source)
    console.print(f"已生成 {len(built)} 个分片：{FONT_DIR}")


app.add_typer(fonts_app, name="fonts")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(seal_app, name="seal")
app.add_typer(hcp_app, name="hcp")
app.add_typer(metrics_app, name="metrics")
app.add_typer(deploy_app, name="deploy")
app.add_typer(catalog_app, name="catalog")
app.add_typer(eligibility_app, name="eligibility")


def main() -> None:
    """Entry point of the `anju` script."""
    app()


if __name__ == "__main__":
    main()
