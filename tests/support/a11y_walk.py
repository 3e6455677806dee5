"""Every page of the service, reached as people reach them, each audited (tests/support/a11y.py): the
public pages, an application from sign-in to submission, the person's own data pages, and the staff
console with that case in it. Used by the browser test and by bench/a11y.py."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from anju.core.settings import Settings
from tests.support.a11y import Auditor

APPLICANT = "650102199506100261"  # 阿依古丽·买买提: a migrant worker with registers in Fuzhou


def public_pages(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """What anyone can open without signing in, and the pages that say no."""
    platform = settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    for path, name in (
        ("/", "首页"),
        ("/guide", "办事指南"),
        ("/progress", "查询申请进度"),
        ("/public-notices", "公示"),
        ("/decisions/verify", "文书验证"),
        ("/kiosk", "自助终端（未登记的浏览器）"),
        ("/no-such-page", "找不到页面"),
    ):
        page.goto(platform + path)
        auditor.audit(page, name)
    page.context.close()


def application_pages(settings: Settings, browser: Browser, auditor: Auditor) -> str:
    """Sign in, apply and submit, auditing each page on the way; returns the application number."""
    platform = settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{platform}/applications/new")
    page.get_by_label("身份证号码").fill(APPLICANT)
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()
    auditor.audit(page, "开始申请")
    page.get_by_role("button", name="开始申请").click()
    auditor.audit(page, "申请事项")
    tasks = page.url
    page.get_by_role("link", name="选择共同申请人").click()
    auditor.audit(page, "家庭成员")
    page.goto(tasks)
    page.get_by_role("link", name="去授权").first.click()
    auditor.audit(page, "授权查询")
    for source in ("hukou", "residence_permit", "marriage", "social_insurance", "property", "vehicle"):
        page.locator(f'input[name="source"][value="{source}"]').check()
    page.get_by_role("button", name="同意并保存授权").click()
    page.get_by_role("button", name="开始查询").click()
    expect(page.get_by_role("heading", name="核对查询结果")).to_be_visible()
    auditor.audit(page, "核对查询结果")
    page.goto(tasks)
    page.get_by_role("link", name="填写申请").click()
    for step in range(1, 13):
        if page.get_by_role("heading", name="核对并提交").count():
            break
        auditor.audit(page, f"填写申请 第 {step} 页")
        _answer_what_is_asked(page)
        before = page.url
        page.get_by_role("button", name="保存并继续").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator("#error-summary").inner_text()
    auditor.audit(page, "核对并提交")
    page.get_by_role("button", name="确认并提交申请").click()
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    auditor.audit(page, "申请进度")
    number = page.locator("#application-no").inner_text().strip()
    for path, name in (
        ("/consents", "我的授权"),
        ("/my/data-log", "我的数据查询记录"),
        ("/memberships", "家人邀请我授权"),
    ):
        page.goto(platform + path)
        auditor.audit(page, name)
    page.goto(f"{platform}/applications/{number}/withdraw")
    auditor.audit(page, "撤回申请")
    page.context.close()
    return number


def _answer_what_is_asked(page: Page) -> None:
    """The few answers the registers could not give (this household's)."""
    if page.get_by_label("申请城市").count():
        page.get_by_label("申请城市").select_option("350100")
        page.get_by_label("县（市、区）").select_option("350104")
    for label, value in (("婚姻状况", "未婚"),):
        box = page.get_by_label(label)
        if box.count() and not box.input_value():
            box.select_option(value)
    if page.get_by_label("租住").count():
        page.get_by_label("租住").check()
    for label, value in (("家庭存款（元）", "8000"), ("股票、基金等有价证券（元）", "0")):
        if page.get_by_label(label).count():
            page.get_by_label(label).fill(value)
    groups = page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
    for group in groups:
        radios = page.locator(f'input[type=radio][name="{group}"]')
        if page.locator(f'input[type=radio][name="{group}"]:checked').count() == 0:
            values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
            no = next((i for i, v in enumerate(values) if v in ("no", "false", "0", "否")), 0)
            radios.nth(no).check()
    for name in ("a.pledge", "a.verification_authorisation"):
        if page.locator(f'input[name="{name}"]').count():
            page.locator(f'input[name="{name}"]').check()


def staff_pages(settings: Settings, browser: Browser, auditor: Auditor, number: str) -> None:
    """The console as a city's 受理 clerk sees it, with the case in it."""
    housing = settings.base_url("housing")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{housing}/staff/login")
    auditor.audit(page, "工作人员登录")
    page.get_by_label("用户名").fill("shouli.350100")
    page.get_by_label("密码").fill("anju-staff-demo")
    page.get_by_role("button", name="登录").click()
    auditor.audit(page, "待办办件")
    for path, name in (
        (f"/staff/cases/{number}", "办件"),
        ("/staff/parameters", "申请条件参数"),
        ("/staff/calendar", "法定节假日安排"),
        ("/staff/follow-ups", "差评回访整改"),
        ("/staff/dashboard", "办件成效"),
        ("/staff/deliveries", "投递异常（无权查看）"),
    ):
        page.goto(housing + path)
        auditor.audit(page, name)
    page.context.close()
