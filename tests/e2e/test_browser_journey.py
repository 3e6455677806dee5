"""The spine in a real browser (Playwright driving Debian's Chromium), on a phone-sized screen."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import Systems
from tests.support.browser import assert_fits_phone, kiosk_card_and_face, kiosk_terminal_enable, watch_csp
from tests.support.env import wait_until
from tests.support.journey import application_fill_and_submit, csrf_of, kiosk_card_place, open_draft_form

pytestmark = pytest.mark.browser


def test_apply_on_a_phone_and_follow_to_acceptance(live: Systems, browser: Browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    for runtime in (live.runtimes["platform"], live.runtimes["housing"]):
        runtime.start_worker_thread()

    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    )
    page = phone.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    page.goto(f"{platform}/")
    expect(page.get_by_role("heading", name="申请公租房")).to_be_visible()
    assert_fits_phone(page)
    page.get_by_role("button", name="开始申请").click()

    expect(page.get_by_role("heading", name=re.compile("统一身份认证"))).to_be_visible()
    page.get_by_label("身份证号码").fill("350102199203150519")
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()

    expect(page.get_by_role("heading", name="开始申请")).to_be_visible()
    page.get_by_role("button", name="开始申请").click()
    expect(page.get_by_role("heading", name="申请公租房")).to_be_visible()  # the task list
    assert_fits_phone(page)
    page.get_by_role("link", name="填写申请").click()

    expect(page.get_by_role("heading", name="申请地区")).to_be_visible()
    assert_fits_phone(page)
    # Save the first page empty: the error summary names each problem and links to its field.
    page.get_by_role("button", name="保存并继续").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # keyboard and screen-reader users land on what to fix
    expect(summary.get_by_role("link", name="请选择申请城市")).to_be_visible()
    summary.get_by_role("link", name="请选择县（市、区）").click()
    assert page.url.endswith("#a.district_code")

    page.get_by_label("申请城市").select_option("350100")
    page.get_by_label("县（市、区）").select_option("350102")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="家庭成员")).to_be_visible()
    expect(page.get_by_text("来自统一身份认证·实名身份").first).to_be_visible()  # name and ID are not typed
    page.get_by_label("户籍所在地").select_option("350102")
    page.get_by_label("婚姻状况").select_option("未婚")
    page.get_by_label("最高全日制学历").select_option("本科")
    graduated = page.get_by_role("group", name="毕业日期")  # 年 月 日 in three boxes
    graduated.get_by_label("年").fill("2024")
    graduated.get_by_label("月").fill("6")
    graduated.get_by_label("日").fill("30")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="住房状况")).to_be_visible()
    for name in ("a.owns_home", "a.sold_home_recently", "a.receiving_assistance"):
        page.locator(f'input[name="{name}"][value="no"]').check()
    page.get_by_label("租住").check()
    page.get_by_label("现居住地址").fill("鼓楼区五四路 123 号 3 栋 502")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="财产状况")).to_be_visible()
    page.get_by_label("家庭存款（元）").fill("10000")
    page.get_by_label("股票、基金等有价证券（元）").fill("0")
    page.get_by_label("机动车购置价合计（元）").fill("0")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="就业与收入")).to_be_visible()
    page.get_by_label("月收入（元）").fill("5000")
    page.get_by_label("近 36 个月在本市缴纳社保月数").fill("24")
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="联系方式")).to_be_visible()
    expect(page.get_by_label("联系电话")).to_have_value("13805910001")  # from 统一身份认证
    page.get_by_role("button", name="保存并继续").click()

    # The group is asked last, each with what the pre-check found; he chooses one it doubts.
    expect(page.get_by_role("heading", name="申请类别")).to_be_visible()
    expect(page.locator("#a\\.applicant_group")).to_contain_text("自查：")
    page.get_by_role("radio", name=re.compile("^新就业无房职工")).check()
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="承诺与授权")).to_be_visible()
    for name in ("a.pledge", "a.verification_authorisation"):
        page.locator(f'input[name="{name}"]').check()
    page.screenshot(path=str(tmp_path / "pledge-375.png"), full_page=True)
    page.get_by_role("button", name="保存并继续").click()

    expect(page.get_by_role("heading", name="核对并提交")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=str(tmp_path / "check-375.png"), full_page=True)
    page.get_by_role("button", name="确认并提交申请").click()

    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    number = page.locator("#application-no").inner_text().strip()
    assert re.fullmatch(r"GZF-350100-\d{8}-\d{6}", number)
    assert_fits_phone(page)
    expect(page.locator("#next-steps")).to_contain_text("福州市住房保障部门")
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    download.value.save_as(tmp_path / f"{number}.pdf")
    page.screenshot(path=str(tmp_path / "confirmation-375.png"), full_page=True)

    clerk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    watch_csp(clerk, refused)
    clerk.goto(f"{housing}/staff/login")
    clerk.get_by_label("用户名").fill("shouli.350100")
    clerk.get_by_label("密码").fill("anju-staff-demo")
    clerk.get_by_role("button", name="登录").click()
    expect(clerk.get_by_role("heading", name="待办办件")).to_be_visible()

    def case_listed() -> bool:
        clerk.goto(f"{housing}/staff/")
        return clerk.get_by_role("link", name=number).count() == 1

    wait_until(case_listed)
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("button", name="受理", exact=True).click()  # not without confirming the materials
    expect(clerk.locator("#error-summary")).to_contain_text("请先勾选确认")
    expect(clerk.locator("#case-status")).to_have_text("已提交")
    clerk.get_by_label("已核对申请材料齐全、符合法定形式，决定受理").check()
    clerk.get_by_role("button", name="受理", exact=True).click()
    expect(clerk.locator("#case-status")).to_have_text("初审中")

    def applicant_told() -> bool:
        page.goto(f"{platform}/applications/{number}")
        return page.locator("#current-status").inner_text() == "初审中"

    wait_until(applicant_told)
    expect(page.locator("#timeline li")).to_have_count(4)  # 已提交 → 已接收，待受理 → 已受理 → 初审中
    page.screenshot(path=str(tmp_path / "progress-375.png"), full_page=True)
    phone.close()
    assert refused == []  # every script and style the pages use is allowed by their policy


def test_a_migrant_worker_applies_on_a_desktop_with_her_registers_filling_the_form(
    live: Systems, browser: Browser, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from anju.sandbox.population.generator import population_generate

    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households only
    platform = live.settings.base_url("platform")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{platform}/applications/new")
    desk.get_by_label("身份证号码").fill("650102199506100261")
    desk.get_by_label("密码").fill("anju-demo")
    desk.get_by_role("button", name="登录并授权").click()
    desk.get_by_role("button", name="开始申请").click()

    desk.get_by_role("link", name="去授权").first.click()
    for source in (
        "hukou",
        "residence_permit",
        "marriage",
        "social_insurance",
        "property",
        "vehicle",
        "assistance",
    ):
        desk.locator(f'input[name="source"][value="{source}"]').check()
    desk.get_by_role("button", name="同意并保存授权").click()
    desk.get_by_role("button", name="开始查询").click()
    expect(desk.get_by_role("heading", name="核对查询结果")).to_be_visible()
    # her residence permit, with its address
    expect(
        desk.get_by_text("福州市（福州市晋安区岳峰镇连江北路 118 号 3 栋 502），2021-02-20 至 2027-02-19")
    ).to_be_visible()

    desk.goto(desk.url.replace("/preview", ""))
    desk.get_by_role("link", name="填写申请").click()
    expect(desk.get_by_label("申请城市")).to_have_value("")  # hukou outside Fujian: nothing to suggest
    xiamen_siming = desk.locator('select[name="a.district_code"] option[value="350203"]')
    expect(xiamen_siming).to_have_count(1)  # no city yet: every county, each with its city
    desk.get_by_label("申请城市").select_option("350100")
    expect(xiamen_siming).to_have_count(0)  # 福州 chosen: 福州's counties only
    desk.get_by_label("县（市、区）").select_option("350104")
    desk.get_by_role("button", name="保存并继续").click()

    expect(desk.get_by_role("heading", name="家庭成员")).to_be_visible()
    expect(desk.get_by_text("来自福建省公安厅·居住证信息")).to_be_visible()  # permit city is read-only
    desk.get_by_label("婚姻状况").select_option("未婚")  # no marriage record proves nothing: she says
    desk.get_by_role("button", name="保存并继续").click()
    expect(desk.get_by_role("heading", name="住房状况")).to_be_visible()
    desk.get_by_label("租住").check()
    # The permit's address is offered; she has moved since, so she corrects it (no dispute: her answer).
    expect(desk.get_by_label("现居住地址")).to_have_value("福州市晋安区岳峰镇连江北路 118 号 3 栋 502")
    expect(desk.locator("#a\\.current_address-suggestion")).to_contain_text("居住证上的居住地址")
    desk.get_by_label("现居住地址").fill("仓山区金山街道浦上大道 88 号")
    desk.get_by_role("button", name="保存并继续").click()
    desk.get_by_label("家庭存款（元）").fill("8000")
    desk.get_by_label("股票、基金等有价证券（元）").fill("0")
    desk.get_by_role("button", name="保存并继续").click()
    expect(desk.get_by_label("近 36 个月在本市缴纳社保月数")).to_have_count(0)  # from 人社, not typed
    # Her contribution base is offered as the income; it is right, so she keeps it.
    expect(desk.get_by_label("月收入（元）")).to_have_value("4800")
    desk.get_by_role("button", name="保存并继续").click()
    desk.get_by_role("button", name="保存并继续").click()
    # The pre-check suggests the group that fits, already chosen and said to be a suggestion.
    expect(desk.get_by_role("heading", name="申请类别")).to_be_visible()
    expect(desk.get_by_role("radio", name=re.compile("^在城镇稳定就业的外来务工人员"))).to_be_checked()
    expect(desk.locator("#a\\.applicant_group-suggestion")).to_contain_text("仅供参考")
    desk.get_by_role("button", name="保存并继续").click()
    for name in ("a.pledge", "a.verification_authorisation"):
        desk.locator(f'input[name="{name}"]').check()
    desk.get_by_role("button", name="保存并继续").click()
    expect(desk.get_by_role("heading", name="核对并提交")).to_be_visible()
    # A kept suggestion says so; a corrected one is simply her answer, not a dispute of a register.
    expect(desk.get_by_role("row", name=re.compile("^月收入"))).to_contain_text("按建议填写，已核对")
    address_row = desk.get_by_role("row", name=re.compile("^现居住地址"))
    expect(address_row).to_contain_text("仓山区金山街道浦上大道 88 号")
    expect(address_row).not_to_contain_text("已修改")
    expect(address_row).not_to_contain_text("按建议")
    desk.screenshot(path=str(tmp_path / "check-desktop.png"), full_page=True)
    desk.get_by_role("button", name="确认并提交申请").click()
    expect(desk.get_by_role("heading", name="申请已提交")).to_be_visible()
    assert re.fullmatch(r"GZF-350100-\d{8}-\d{6}", desk.locator("#application-no").inner_text().strip())


def test_a_kiosk_signs_in_by_card_and_face_and_warns_before_signing_out_alone(
    live: Systems,
    browser: Browser,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    terminal = browser.new_context(
        viewport={"width": 1080, "height": 1920}, locale="zh-CN"
    )  # a portrait kiosk
    page = terminal.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    page.clock.install()
    page.goto(f"{platform}/kiosk")
    expect(page.locator("#kiosk-not-terminal")).to_be_visible()  # a browser is not a terminal by itself
    page.goto(f"{live.settings.base_url('sandbox')}/devices/kiosk")  # the device agent starts the kiosk
    page.get_by_role("button", name="启用本机为自助终端").click()
    expect(page.locator("#kiosk-terminal")).to_be_visible()
    # Large type and touch targets before sign-in, nothing to type: the reader reads the card put on it.
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 24
    expect(page.get_by_role("textbox")).to_have_count(0)
    box = page.locator("#agree").bounding_box()
    assert box is not None and box["width"] >= 44
    kiosk_card_place(sandbox, "350104199011200641")
    expect(page.locator("#card-status")).to_contain_text("已读取身份证：欧***（350104********0641）")
    page.locator("#agree").check()
    # The camera's live picture, then the photo taken with 拍照 (no file picker).
    expect(page.locator("#kiosk-preview")).to_have_js_property("naturalWidth", 320)  # a live frame shows
    expect(page.locator("#photo")).to_be_hidden()
    page.get_by_role("button", name="拍照", exact=True).click()
    expect(page.locator("#kiosk-photo")).to_be_visible()
    expect(page.get_by_role("button", name="重新拍照")).to_be_visible()
    page.screenshot(path=str(tmp_path / "kiosk-start-1080x1920.png"), full_page=True)
    page.get_by_role("button", name="开始", exact=True).click()
    expect(page.get_by_role("button", name="结束并退出")).to_be_visible()
    assert "kiosk" in (page.locator("body").get_attribute("class") or "")

    warning = page.locator(".kiosk-warning")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("02:35")  # nobody touched the screen
    expect(warning).to_be_visible()
    page.clock.fast_forward("00:30")
    expect(page.locator("#kiosk-bye")).to_be_visible()  # signed out by itself
    assert "/kiosk" in page.url
    terminal.close()
    assert refused == []


def test_a_kiosk_prints_the_receipt_and_asks_for_a_rating_as_the_visit_ends(
    live: Systems, browser: Browser
) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    terminal = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    page = terminal.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    kiosk_terminal_enable(page, sandbox)
    kiosk_card_and_face(page, sandbox, "350104199011200641")

    # The form itself is the web's (tested in the journeys above): filled here over the same session.
    with httpx.Client(timeout=20, cookies={c["name"]: c["value"] for c in terminal.cookies()}) as same:
        tasks = same.get(f"{platform}/applications/new", follow_redirects=True)
        if ">开始申请</button>" in tasks.text:
            tasks = same.post(
                f"{platform}/drafts", data={"csrf_token": csrf_of(tasks.text)}, follow_redirects=True
            )
        done = application_fill_and_submit(same, platform, open_draft_form(same, platform, tasks).text)
        assert "申请已提交" in done.text, done.text[-600:]
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]

    page.goto(f"{platform}/applications/{number}?submitted=1")
    expect(page.locator("#receipt-link")).to_have_count(0)  # no download on a shared machine
    page.get_by_role("button", name="打印回执").click()
    expect(page.locator("#print-status")).to_have_text("回执已打印，请在出纸口取走。")
    slips = httpx.get(f"{sandbox}/devices/kiosk/printed").json()["slips"]
    assert slips[-1]["title"] == "公租房申请回执" and f"申请编号：{number}" in slips[-1]["lines"]
    assert "申请人：欧***" in slips[-1]["lines"]

    page.get_by_role("button", name="结束并退出").click()
    expect(page.get_by_role("heading", name="评价本次服务")).to_be_visible()
    page.get_by_role("button", name="不评价，直接退出").click()
    expect(page.locator("#kiosk-bye")).to_contain_text("请取走您的身份证")
    terminal.close()
    assert refused == []
