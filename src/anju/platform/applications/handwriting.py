"""A handwritten signature at a counter window, beside the e-signature (issue 16, decision 0018; settings
``counter_handwriting``, provisional): on the window's signature pad (签名板), whose capture is signed by the
window's key over a fresh challenge like a card reading, or on the printed application form, signed and
scanned back with the 高拍仪. Online and at a kiosk there is none: the e-signature alone signs."""

from __future__ import annotations

import anyio
from fastapi import Request

from anju.core.refusals import Refused
from anju.core.web import form_file
from anju.core.websession import WebSession
from anju.platform.applications.signed import Handwritten
from anju.platform.backfill.service import PROOF_MAX_BYTES, proof_content_type
from anju.platform.identity import terminals
from anju.platform.web import COUNTER, RuntimeDep, channel_of

PAD_MISSING = "请申请人在签名板上签名后再提交。"
SCAN_MISSING = "请把申请人签字的申请表放在高拍仪下扫描后再提交。"
SCAN_TYPE = "签字的申请表只能是 PDF、JPG 或 PNG 格式，不超过 5 MB，请重新扫描。"
NO_DEVICES = (
    "本窗口的设备尚未启用或已断开，无法取得手写签名。请重新启用本窗口的设备后再提交，已填写的内容都已保存。"
)


class HandwritingRefused(Refused):
    """No usable handwritten signature: what the clerk reads."""


def handwriting_mode(runtime: RuntimeDep, web: WebSession) -> str:
    """How this session's submission is signed by hand: "pad", "paper", or "off" (not at a window)."""
    return runtime.settings.counter_handwriting if channel_of(web) == COUNTER else "off"


async def handwriting_taken(request: Request, runtime: RuntimeDep, web: WebSession) -> Handwritten | None:
    """The handwritten signature the submission carries (None where none is taken); raises
    HandwritingRefused where one is needed and is missing, unreadable or not this window's."""
    mode = handwriting_mode(runtime, web)
    if mode == "off":
        return None
    window = await anyio.to_thread.run_sync(
        lambda: terminals.browser_terminal(
            runtime=runtime, token=request.cookies.get(terminals.COOKIE), kind=terminals.WINDOW
        )
    )
    if window is None:
        raise HandwritingRefused(NO_DEVICES)
    form = await request.form()
    if mode == "pad":
        reading = str(form.get("handwriting") or "")
        if not reading:
            raise HandwritingRefused(PAD_MISSING)
        try:
            written = await anyio.to_thread.run_sync(
                lambda: terminals.handwriting_read(
                    runtime=runtime, terminal_id=window.terminal_id, reading=reading
                )
            )
        except terminals.TerminalRefused as exc:
            raise HandwritingRefused(exc.message) from exc
        return Handwritten(image=written.image, how="pad", terminal_id=window.terminal_id)
    _filename, data = await form_file(request, "handwriting_scan")
    if not data:
        raise HandwritingRefused(SCAN_MISSING)
    if len(data) > PROOF_MAX_BYTES or proof_content_type(data) is None:
        raise HandwritingRefused(SCAN_TYPE)
    return Handwritten(image=data, how="paper", terminal_id=window.terminal_id)
