"""The platform's catalogue of data sources: what the applicant is told, and where each is asked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from anju.core.crypto import sm3_hex

CATALOG_FILE = Path(__file__).with_name("sources.yaml")


@dataclass(frozen=True)
class SourceNotice:
    """One source as the consent page presents it and the backfill calls it."""

    code: str
    name: str
    department: str
    system: str
    path: str
    fields: tuple[str, ...]
    purpose: str
    replaces: tuple[str, ...]
    sensitive: bool
    sensitive_reason: str
    impact: str
    timeout_seconds: float | None  # overrides the platform-wide backfill timeout for this source


@dataclass(frozen=True)
class VerificationNotice:
    """A check of the person (face verification), told and agreed to separately before it is made."""

    code: str
    name: str
    department: str
    fields: tuple[str, ...]
    purpose: str
    sensitive_reason: str
    impact: str

    def notice_text(self) -> str:
        """The exact notice the person agrees to."""
        return "\n".join(
            [
                f"核验机构：{self.department}（{self.name}）",
                f"提供内容：{'、'.join(self.fields)}",
                f"用途：{self.purpose}",
                f"敏感个人信息：{self.sensitive_reason}。对您的影响：{self.impact}",
            ]
        )

    def notice_version(self) -> str:
        """SM3 of the notice text: proves which wording was agreed to."""
        return sm3_hex(self.notice_text().encode())


@dataclass(frozen=True)
class SourceList:
    """Every source, with the retention and recipients that apply to all of them."""

    version: str
    retention_years_after_final: int
    retention_draft_idle_days: int
    retention_provisional: bool
    recipients: str
    sources: dict[str, SourceNotice]
    verifications: dict[str, VerificationNotice]

    def described(self, code: str) -> tuple[str, str]:
        """(name, department) of a source or a verification, for logs and tables (the code if unknown)."""
        known = self.sources.get(code) or self.verifications.get(code)
        return (known.name, known.department) if known else (code, "")

    @property
    def retention(self) -> str:
        """How long it is kept, in the notice's words (from the numbers the retention job enforces)."""
        return (
            f"申请不予受理、不予批准或撤回的，自结束之日起保存 {self.retention_years_after_final} 年；"
            f"获得配租的，租赁期间一直保存，自退出之日起保存 {self.retention_years_after_final} 年；期满删除；"
            f"未提交的草稿 {self.retention_draft_idle_days} 天无人修改的，自动删除"
        )

    def notice_text(self, code: str) -> str:
        """The exact notice a person consents to (its SM3 digest is stored with the consent)."""
        s = self.sources[code]
        lines = [
            f"数据来源：{s.department}（{s.name}）",
            f"查询内容：{'、'.join(s.fields)}",
            f"用途：{s.purpose}",
            f"接收方：{self.recipients}",
            f"保存期限：{self.retention}",
        ]
        if s.sensitive:
            lines.append(f"敏感个人信息：{s.sensitive_reason}。对您的影响：{s.impact}")
        return "\n".join(lines)

    def notice_version(self, code: str) -> str:
        """SM3 of the notice text: proves which wording was agreed to."""
        return sm3_hex(self.notice_text(code).encode())


@lru_cache(maxsize=1)
def source_list() -> SourceList:
    """The catalogue from sources.yaml."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    sources = {
        code: SourceNotice(
            code=code,
            name=spec["name"],
            department=spec["department"],
            system=spec["endpoint"]["system"],
            path=spec["endpoint"]["path"],
            fields=tuple(spec["fields"]),
            purpose=spec["purpose"],
            replaces=tuple(spec.get("replaces", ())),
            sensitive=bool(spec.get("sensitive", False)),
            sensitive_reason=spec.get("sensitive_reason", ""),
            impact=spec.get("impact", ""),
            timeout_seconds=float(spec["timeout_seconds"]) if "timeout_seconds" in spec else None,
        )
        for code, spec in data["sources"].items()
    }
    return SourceList(
        version=str(data["version"]),
        retention_years_after_final=int(data["retention"]["years_after_final"]),
        retention_draft_idle_days=int(data["retention"]["draft_idle_days"]),
        retention_provisional=bool(data["retention"].get("provisional", False)),
        recipients=data["recipients"],
        sources=sources,
        verifications={
            code: VerificationNotice(
                code=code,
                name=spec["name"],
                department=spec["department"],
                fields=tuple(spec["fields"]),
                purpose=spec["purpose"],
                sensitive_reason=spec["sensitive_reason"],
                impact=spec["impact"],
            )
            for code, spec in data.get("verifications", {}).items()
        },
    )
