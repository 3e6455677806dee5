"""公示 pages: anyone may read a city's notice; a signed-in resident may object to an entry
(decision 0025)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Form, Request
from fastapi.responses import Response

from anju.core import regions
from anju.core.web import page_router
from anju.platform.applications import notices
from anju.platform.identity import service as identity
from anju.platform.web import ApplicantId, RuntimeDep, render

router = page_router()
OBJECTION_LENGTH = (10, 2000)


@router.get("/public-notices", name="public_notices")
def public_notices(request: Request, runtime: RuntimeDep, city: str = "350100", page: int = 1) -> Response:
    """A city's current 公示, read from the housing department, a page at a time."""
    cities = {r.code: r.name for r in regions.jurisdictions()}
    context: dict[str, Any] = {
        "title": "公租房申请公示",
        "cities": cities,
        "city": city,
        "entries": [],
        "total": 0,
        "page": 1,
        "pages": 1,
        "error": "",
    }
    if city not in cities:
        return render(request, "notices.html", {**context, "error": "请选择设区市或平潭综合实验区。"}, 400)
    try:
        found = notices.notices_fetch(client=runtime.client, city_code=city, page=page)
    except notices.NoticeUnavailable as exc:
        return render(request, "notices.html", {**context, "error": exc.message}, 503)
    if found["entries"] == [] and found["page"] > found["pages"]:  # past the end: the last page
        found = notices.notices_fetch(client=runtime.client, city_code=city, page=found["pages"])
    context.update({key: found[key] for key in ("entries", "total", "page", "pages")})
    return render(request, "notices.html", context)


def _city_list(
    request: Request, city: str, *, template: str, title: str, key: str, fetch: Callable[[str], Any]
) -> Response:
    """A list housing publishes for one city: the city checked against the jurisdictions, then what housing
    says (``fetch``), put in the page as ``key`` — or why it cannot be shown."""
    cities = {r.code: r.name for r in regions.jurisdictions()}
    context: dict[str, Any] = {"title": title, "cities": cities, "city": city, key: None, "error": ""}
    if city not in cities:
        return render(request, template, {**context, "error": "请选择设区市或平潭综合实验区。"}, 400)
    try:
        found = fetch(city)
    except notices.NoticeUnavailable as exc:
        return render(request, template, {**context, "error": exc.message}, 503)
    return render(request, template, {**context, key: found})


@router.get("/waitlists", name="public_waitlist")
def public_waitlist(request: Request, runtime: RuntimeDep, city: str = "350100", page: int = 1) -> Response:
    """A city's waiting list (轮候名单) in today's order, with the rule it follows, a page at a time."""

    def fetch(code: str) -> Any:
        found = notices.waitlist_fetch(client=runtime.client, city_code=code, page=page)
        if found["entries"] == [] and found["page"] > found["pages"]:  # past the end: the last page
            found = notices.waitlist_fetch(client=runtime.client, city_code=code, page=found["pages"])
        return found

    return _city_list(
        request, city, template="waitlist.html", title="公租房轮候名单", key="found", fetch=fetch
    )


@router.get("/lotteries", name="public_lotteries")
def public_lotteries(request: Request, runtime: RuntimeDep, city: str = "350100") -> Response:
    """A city's draws (摇号), each with what is needed to re-run it."""

    def fetch(code: str) -> Any:
        return notices.lotteries_fetch(client=runtime.client, city_code=code)

    return _city_list(
        request, city, template="lotteries.html", title="公租房配租摇号", key="draws", fetch=fetch
    )


@router.get("/lotteries/{city}/{draw_id}", name="public_lottery")
def public_lottery(request: Request, runtime: RuntimeDep, city: str, draw_id: int) -> Response:
    """One draw: the frozen list, its SM3, the commitment, the seed, the revealed value, the order."""
    try:
        draw = notices.lotteries_fetch(client=runtime.client, city_code=city, draw_id=draw_id)
    except notices.NoticeUnavailable as exc:
        status = 404 if exc.code == "not_found" else 503
        return render(
            request, "lottery.html", {"title": "配租摇号", "draw": None, "error": exc.message}, status
        )
    lines = [line.split("\t") for line in draw["list_text"].splitlines()[1:]]
    return render(
        request, "lottery.html", {"title": draw["title"], "draw": draw, "lines": lines, "error": ""}
    )


@router.get("/lotteries/{city}/{draw_id}/list.txt", name="public_lottery_list")
def public_lottery_list(runtime: RuntimeDep, city: str, draw_id: int) -> Response:
    """The frozen list exactly as housing published it (UTF-8): its SM3 is the published one."""
    try:
        draw = notices.lotteries_fetch(client=runtime.client, city_code=city, draw_id=draw_id)
    except notices.NoticeUnavailable as exc:
        return Response(
            exc.message, status_code=404 if exc.code == "not_found" else 503, media_type="text/plain"
        )
    headers = {"Content-Disposition": f'attachment; filename="lottery-{city}-{draw_id}.txt"'}
    return Response(
        draw["list_text"].encode("utf-8"), media_type="text/plain; charset=utf-8", headers=headers
    )


@router.get("/public-notices/{city}/{case_no}/objection", name="objection_form")
def objection_form(request: Request, city: str, case_no: str, applicant_id: ApplicantId) -> Response:
    """Object to an entry of the 公示, with facts and reasons."""
    context = {"title": "提出异议", "city": city, "case_no": case_no, "text": "", "error": ""}
    return render(request, "objection.html", context)


@router.post("/public-notices/{city}/{case_no}/objection", name="objection_submit")
def objection_submit(
    request: Request,
    city: str,
    case_no: str,
    applicant_id: ApplicantId,
    runtime: RuntimeDep,
    text: str = Form(""),
) -> Response:
    """Send the objection, with who objects, to the housing department."""
    context = {"title": "提出异议", "city": city, "case_no": case_no, "text": text}
    low, high = OBJECTION_LENGTH
    if not low <= len(text.strip()) <= high:
        return render(
            request,
            "objection.html",
            {**context, "error": "异议内容请写 10 到 2000 个字，说明事实和理由。"},
            400,
        )
    with runtime.db.transaction() as session:
        me = identity.applicant_get(session=session, applicant_id=applicant_id)
        assert me is not None
        name, phone, subject = (
            me.name,
            identity.applicant_phone(applicant=me, cipher=runtime.cipher),
            me.subject,
        )
    try:
        notices.objection_send(
            client=runtime.client, case_no=case_no, text=text.strip(), name=name, phone=phone, user=subject
        )
    except notices.NoticeUnavailable as exc:
        return render(request, "objection.html", {**context, "error": exc.message}, 409)
    return render(request, "objection_done.html", {"title": "异议已提交", "case_no": case_no, "city": city})
