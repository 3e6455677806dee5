"""Every page of the service, reached as people reach them, each audited (tests/support/a11y.py): the
public pages and their refusals, an application from sign-in to submission with its mistakes shown, the
person's own data pages, a co-applicant invited and authorising, a visit at a self-service kiosk, and the
a window clerk's counter (a walk-in, an agent, a couple authorising and signing there), and the staff console with that case in it. ``walk_everything`` is what the browser test and bench/a11y.py run."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, Page, expect

from anju.core.settings import Settings
from tests.support.a11y import Auditor
from tests.support.browser import kiosk_card_and_face, kiosk_terminal_enable
from tests.support.factories import scanned_png
from tests.support.journey import fill_until_check, kiosk_card_place, open_draft_form

APPLICANT = "650102199506100261"  # 阿依古丽·买买提: a migrant worker with registers in Fuzhou
AGENT = "350103198007190558"  # 张伟, applying for her at a window
FAMILY = ("350203198507080422", "350583198309120313")  # 陈美华 and her husband 吴建国 (厦门, one hukou book)
AT_KIOSK = "350104199011200641"  # 欧阳娜娜
COUPLE = ("350121199111300574", "35030219930217068X")  # 刘志明 at a window, and his wife 黄丽 with him


def walk_everything(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """Every walk below, in the order people meet the pages (the demo households must be loaded)."""
    public_pages(settings, browser, auditor)
    number = application_pages(settings, browser, auditor)
    co_applicant_pages(settings, browser, auditor)
    kiosk_pages(settings, browser, auditor)
    counter_pages(settings, browser, auditor)
    staff_pages(settings, browser, auditor, number)


def public_pages(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """What anyone can open without signing in, and the pages that say no."""
    platform = settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    for path, name in (
        ("/", "首页"),
        ("/guide", "办事指南"),
        ("/progress", "查询申请进度"),
        ("/public-notices", "公示"),
        ("/waitlists", "轮候名单"),
        ("/lotteries", "配租摇号"),
        ("/decisions/verify", "文书验证"),
        ("/kiosk", "自助终端（未登记的浏览器）"),
        ("/no-such-page", "找不到页面"),
    ):
        page.goto(platform + path)
        auditor.audit(page, name)

    def progress_refused(p: Page) -> None:
        p.goto(f"{platform}/progress")
        p.get_by_label("申请编号").fill("GZF-350100-20261206-000999")
        p.get_by_label("申请人身份证号码").fill(APPLICANT)
        p.get_by_role("button", name="获取验证码").click()  # the same answer whether or not it exists
        p.get_by_label("短信验证码").fill("000000")
        p.get_by_role("button", name="查询").click()
        expect(p.locator("#error-summary")).to_be_visible()

    auditor.audit_each(page, "查询申请进度（验证码不对）", progress_refused)
    page.context.close()


def application_pages(settings: Settings, browser: Browser, auditor: Auditor) -> str:
    """Sign in, apply and submit, auditing each page on the way; returns the application number."""
    platform = settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{platform}/applications/new")
    page.get_by_label("身份证号码").fill(APPLICANT)
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()
    # The sign-in returns through the identity provider's redirects: audit the page they end on, not a
    # page still on its way (reloading mid-navigation detaches the page: a CI run failed on that once).
    expect(page.get_by_role("button", name="开始申请")).to_be_visible()
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
    first = page.url

    def saved_with_mistakes(p: Page) -> None:
        p.goto(first)
        p.get_by_role("button", name="保存并继续").click()
        expect(p.locator("#error-summary")).to_be_focused()

    auditor.audit_each(page, "填写申请（有错误）", saved_with_mistakes)
    page.goto(first)
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


def _sign_in(page: Page, platform: str, id_number: str, start: str = "/applications/new") -> None:
    page.goto(platform + start)
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()


def co_applicant_pages(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """陈美华 applies with her husband; the check waits for him; she invites him; he signs in on his own
    device, finds the invitation and authorises."""
    platform = settings.base_url("platform")
    wife, husband = FAMILY
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _sign_in(page, platform, wife)
    page.get_by_role("button", name="开始申请").click()
    tasks = page.url
    page.get_by_role("link", name="去授权").first.click()  # the hukou book and marriage name the family
    for source in ("hukou", "marriage"):
        page.locator(f'input[name="source"][value="{source}"]').check()
    page.get_by_role("button", name="同意并保存授权").click()
    page.get_by_role("button", name="开始查询").click()
    expect(page.get_by_role("heading", name="核对查询结果")).to_be_visible()
    page.goto(tasks)
    page.get_by_role("link", name="选择共同申请人").click()
    page.locator(f'input[name="member"][value="{husband}"]').check()
    page.get_by_role("button", name="保存家庭成员，返回申请事项").click()
    # The form itself is filled over the same sign-in (its pages are audited in application_pages).
    with httpx.Client(timeout=20, cookies={c["name"]: c["value"] for c in context.cookies()}) as same:
        tasks_page = same.get(tasks)
        check = fill_until_check(same, platform, open_draft_form(same, platform, tasks_page).text)
        assert 'id="waiting-consent"' in check.text, check.text[-800:]
    page.goto(tasks.rstrip("/") + "/check")
    auditor.audit(page, "核对并提交（等家人授权）")
    page.locator("#waiting-consent a").first.click()
    auditor.audit(page, "发送短信邀请")
    invite = page.url

    def wrong_number(p: Page) -> None:
        p.goto(invite)
        p.get_by_label(re.compile("手机号")).fill("2391234")
        p.get_by_role("button", name=re.compile("发送")).click()
        expect(p.locator(".error-summary, .error-message").first).to_be_visible()

    auditor.audit_each(page, "发送短信邀请（号码有误）", wrong_number)
    context.close()

    his = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    _sign_in(his, platform, husband, start="/memberships")
    auditor.audit(his, "家人邀请我授权（有邀请）")
    his.goto(platform + "/")
    auditor.audit(his, "首页（家人邀请）")
    his.get_by_role("link", name=re.compile("查看并授权")).first.click()
    auditor.audit(his, "共同申请人授权")
    his.locator('input[name="source"]').first.check()
    his.get_by_role("button", name=re.compile("授权")).last.click()
    auditor.audit(his, "授权已记录")
    his.context.close()


def kiosk_pages(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """A visit at a portrait self-service terminal: the start page, signed in by card and face, and the
    goodbye page (the form's own pages are the web's, audited above)."""
    sandbox = settings.base_url("sandbox")
    page = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN").new_page()
    kiosk_terminal_enable(page, sandbox)
    auditor.audit(page, "自助终端 开始")
    kiosk_card_and_face(page, sandbox, AT_KIOSK)
    auditor.audit(page, "自助终端 开始申请")
    page.get_by_role("button", name="结束并退出").click()
    expect(page.locator("#kiosk-bye")).to_be_visible()
    auditor.audit(page, "自助终端 已退出")
    page.context.close()


def _sign_in_refused(login_url: str) -> Callable[[Page], None]:
    """A staff sign-in page (housing's or the counter's) after a wrong username and password."""

    def reach(p: Page) -> None:
        p.goto(login_url)
        p.get_by_label("用户名").fill("nobody.350100")
        p.get_by_label("密码").fill("not-the-password")
        p.get_by_role("button", name="登录").click()
        expect(p.locator("#error-summary")).to_be_visible()

    return reach


def counter_pages(settings: Settings, browser: Browser, auditor: Auditor) -> None:
    """A window clerk's sign-in (and its refusal) and the window's start page, on a wide counter screen."""
    platform = settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{platform}/counter/login")
    auditor.audit(page, "窗口人员登录")

    auditor.audit_each(page, "窗口人员登录（密码错误）", _sign_in_refused(f"{platform}/counter/login"))
    page.get_by_label("用户名").fill("chuangkou.350100")
    page.get_by_label("密码").fill("anju-staff-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#clerk-window")).to_be_visible()
    auditor.audit(page, "窗口受理（设备未启用）")
    # The window's devices enabled (the device agent's step), a walk-in's card read and face checked.
    page.goto(f"{settings.base_url('sandbox')}/devices/window")
    page.get_by_role("button", name="启用本机为窗口终端").click()
    expect(page.locator("#counter-form")).to_be_visible()
    kiosk_card_place(settings.base_url("sandbox"), APPLICANT, kind="window")
    expect(page.locator("#card-status")).to_contain_text("已读取身份证")
    auditor.audit(page, "窗口受理（接待申请人）")
    page.locator("#agree").check()
    expect(page.locator("#kiosk-preview")).to_have_js_property("naturalWidth", 320)  # a live frame shows
    page.get_by_role("button", name="拍照", exact=True).click()
    expect(page.locator("#kiosk-photo")).to_be_visible()
    page.get_by_role("button", name="核验并开始办理").click()
    expect(page.locator("#counter-serving-name")).to_be_visible()
    auditor.audit(page, "窗口代办：申请事项")
    page.get_by_role("button", name="办结，下一位").click()
    expect(page.locator("#counter-done")).to_be_visible()
    auditor.audit(page, "窗口受理（办结，下一位）")
    # 帮办代办: the agent is checked by the clerk, then the applicant's card and the scanned 委托书.
    page.get_by_label("代办人（受申请人委托").check()
    page.get_by_label("窗口人员当面核验").check()
    kiosk_card_place(settings.base_url("sandbox"), AGENT, kind="window")
    expect(page.locator("#card-status")).to_contain_text("张*")
    page.locator("#attested").check()
    page.get_by_role("button", name="核验并开始办理").click()
    expect(page.locator("#agency-form")).to_be_visible()
    kiosk_card_place(settings.base_url("sandbox"), APPLICANT, kind="window")
    expect(page.locator("#card-status")).to_contain_text("阿***")
    auditor.audit(page, "帮办代办")
    page.get_by_label("委托代办（凭委托书）").check()
    page.get_by_label("扫描代办依据").set_input_files(
        files=[{"name": "委托书.png", "mimeType": "image/png", "buffer": scanned_png()}]
    )
    page.get_by_role("button", name="登记代办并开始办理").click()
    expect(page.locator("#counter-serving-name")).to_contain_text("代办人")
    auditor.audit(page, "帮办代办：申请事项")
    page.get_by_role("button", name="办结，下一位").click()
    counter_couple(settings, page, auditor)
    page.context.close()


def counter_couple(settings: Settings, page: Page, auditor: Auditor) -> None:
    """刘志明 at the window with his wife 黄丽: she authorises in person with her own card, the form is
    answered, and he signs on the window's signature pad."""
    platform, sandbox = settings.base_url("platform"), settings.base_url("sandbox")
    husband, wife = COUPLE
    page.get_by_label("申请人本人").check()
    page.get_by_label("窗口人员当面核验").check()
    kiosk_card_place(sandbox, husband, kind="window")
    expect(page.locator("#card-status")).to_contain_text("刘**")
    page.locator("#attested").check()
    page.get_by_role("button", name="核验并开始办理").click()
    page.get_by_role("button", name="开始申请").click()
    tasks = page.url
    page.get_by_role("link", name="去授权").first.click()
    for source in ("hukou", "marriage"):
        page.locator(f'input[name="source"][value="{source}"]').check()
    page.locator("#witnessed").check()
    page.get_by_role("button", name="同意并保存授权").click()
    page.get_by_role("button", name="开始查询").click()
    page.goto(tasks)
    page.get_by_role("link", name="选择共同申请人").click()
    page.locator(f'input[name="member"][value="{wife}"]').check()
    page.get_by_role("button", name="保存家庭成员，返回申请事项").click()
    page.get_by_role("link", name=re.compile("本人在窗口，当面授权")).click()
    kiosk_card_place(sandbox, wife, kind="window")
    expect(page.locator("#card-status")).to_contain_text("黄*")
    auditor.audit(page, "家庭成员当面授权")
    page.get_by_label("窗口人员当面核验").check()
    page.locator("#attested").check()
    page.get_by_role("button", name="核验并授权").click()
    auditor.audit(page, "家庭成员当面授权：授权查询")
    page.locator('input[name="source"][value="hukou"]').check()
    page.locator("#witnessed").check()
    page.get_by_role("button", name="同意并保存授权").click()
    expect(page.get_by_text("授权已记录")).to_be_visible()
    with httpx.Client(timeout=20, cookies={c["name"]: c["value"] for c in page.context.cookies()}) as same:
        check = fill_until_check(same, platform, open_draft_form(same, platform, same.get(tasks)).text)
    page.goto(str(check.url))
    auditor.audit(page, "核对并提交（窗口，签名板）")
    page.get_by_role("button", name="请申请人在签名板上签名").click()
    expect(page.locator("#handwriting-status")).to_have_text("已收到签名，请核对后提交。")
    auditor.audit(page, "核对并提交（窗口，已签名）")


def staff_pages(settings: Settings, browser: Browser, auditor: Auditor, number: str) -> None:
    """The console as a city's 受理 clerk sees it, with the case in it."""
    housing = settings.base_url("housing")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{housing}/staff/login")
    auditor.audit(page, "工作人员登录")

    auditor.audit_each(page, "工作人员登录（密码错误）", _sign_in_refused(f"{housing}/staff/login"))
    page.get_by_label("用户名").fill("shouli.350100")
    page.get_by_label("密码").fill("anju-staff-demo")
    page.get_by_role("button", name="登录").click()
    auditor.audit(page, "待办办件")
    for path, name in (
        (f"/staff/cases/{number}", "办件"),
        ("/staff/waitlist", "轮候名单"),
        ("/staff/lotteries", "配租摇号"),
        ("/staff/stock", "房源"),
        ("/staff/parameters", "申请条件参数"),
        ("/staff/calendar", "法定节假日安排"),
        ("/staff/follow-ups", "差评回访整改"),
        ("/staff/dashboard", "办件成效"),
        ("/staff/deliveries", "投递异常（无权查看）"),
    ):
        page.goto(housing + path)
        auditor.audit(page, name)
    page.context.close()
