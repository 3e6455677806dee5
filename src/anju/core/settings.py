"""Settings from ANJU_* environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SystemName = Literal["platform", "housing", "sandbox"]
SYSTEMS: tuple[SystemName, ...] = ("platform", "housing", "sandbox")


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(env_prefix="ANJU_", env_file=None, extra="ignore")

    var_dir: Path = Path("var")
    keys_dir: Path | None = None
    peer_keys_file: Path | None = Field(
        default=None, description="JSON registry of peer public keys; default: every *.sm2.pub in keys_dir"
    )
    seal_ca_file: Path | None = Field(
        default=None,
        description="PEM bundle of the seal roots whose seals are trusted; default: keys_dir/seals/seal-sm2-ca.pem and, if present, the older keys_dir/seal-ca.pem",
    )

    platform_db_url: str | None = None
    housing_db_url: str | None = None
    sandbox_db_url: str | None = None

    # Public base URLs each system is reached at (used for links, OIDC redirects and HTTP calls).
    platform_url: str = "http://127.0.0.1:8000/platform"
    housing_url: str = "http://127.0.0.1:8000/housing"
    sandbox_url: str = "http://127.0.0.1:8000/sandbox"

    # The kiosk's local device service (ID card reader, camera, receipt printer) the kiosk page talks to
    # from the terminal's browser (docs/interfaces/kiosk-devices.md); default: the sandbox's stand-in.
    kiosk_device_url: str | None = Field(default=None, description="default: sandbox_url/devices/kiosk/local")
    # A counter window's card reader and camera, the same contract as a kiosk's (the clerk's browser).
    counter_device_url: str | None = Field(
        default=None, description="default: sandbox_url/devices/window/local"
    )

    # Whether a counter window also takes the applicant's handwritten signature beside the e-signature, and
    # how: on the window's signature pad (签名板, "pad"), on the printed application form signed and scanned
    # back with the 高拍仪 ("paper"), or not at all ("off"). Provisional: no rule the project could find
    # asks for either; the province decides.
    counter_handwriting: Literal["off", "pad", "paper"] = "pad"

    # How residents sign in: "oidc" (统一身份认证 over OpenID Connect) or "mzt" (闽政通's ticket flow,
    # standards.md §4.1; decision 0029). The 闽政通 names are observed or provisional (platform/identity/mzt.py).
    identity_provider: Literal["oidc", "mzt"] = "oidc"
    mzt_url: str | None = Field(default=None, description="default: sandbox_url/mzt/dataset")
    mzt_app_id: str = "anju-platform"
    mzt_auth_code: str = "sandbox-mzt-auth-code"
    # The lowest 闽政通 real-name level (0 未认证 … 3 高级) that may sign in at all; provisional.
    mzt_min_sign_in_level: int = 2

    # The provincial 好差评 system (standards.md §5.3; decision 0032): its API gateway, and our app's key and
    # secret there (the secret signs the token request and is the SM4 key of every payload; 32 hex).
    hcp_url: str | None = Field(default=None, description="default: sandbox_url/hcp/gateway")
    hcp_app_key: str = "anju0platform0hcp0app0key0000001"
    hcp_app_secret: SecretStr = SecretStr("0123456789abcdeffedcba9876543210")
    hcp_sys_no: str = "ANJU-GZF"  # 系统编码 the province assigns (provisional)

    oidc_issuer: str | None = Field(
        default=None, description="default: the sandbox provider at sandbox_url/idp"
    )
    oidc_client_id: str = "anju-platform"
    oidc_client_secret: str = "sandbox-platform-secret"  # noqa: S105 - sandbox default, override in production
    submit_min_real_name_level: int = 3

    session_idle_minutes: int = 30
    cookie_secure: bool | None = Field(
        default=None,
        description="send cookies only over HTTPS (and send HSTS); default: yes, unless every system is"
        " served over plain HTTP on this machine's loopback (the embedded default and the tests)",
    )
    signature_window_seconds: int = 300

    outbox_max_attempts: int = 10
    outbox_base_delay_seconds: float = 2.0
    outbox_max_delay_seconds: float = 600.0
    outbox_lease_seconds: float = 60.0
    outbox_poll_seconds: float = 0.25  # idle wait between polls; bench/pipeline.py measures its effect
    outbox_batch_size: int = 5  # messages a worker claims at once: small, so workers share a burst
    deadlines_poll_seconds: float = 300.0  # housing: how often the statutory deadlines are enforced
    metrics_rollup_seconds: float = 60.0  # platform: how often the dashboard's figures are rolled up
    http_timeout_seconds: float = 10.0
    # PostgreSQL connections each process keeps per system, and how many more it may open for a burst
    # (three systems x 25 stays under PostgreSQL's default max_connections of 100).
    db_pool_size: int = 15
    # Request bodies are refused with 413 as they arrive, before anything is parsed or kept in memory:
    # every form and API call by default; page forms that carry one file (at most 5 MB, plus the form);
    # housing's case intake and 补正 answer, which carry the proofs inline as base64.
    max_request_bytes: int = 1024 * 1024
    max_upload_request_bytes: int = 6 * 1024 * 1024
    max_case_request_bytes: int = 256 * 1024 * 1024
    db_max_overflow: int = 10

    backfill_timeout_seconds: float = 3.0
    backfill_breaker_threshold: int = 3
    backfill_breaker_cooldown_seconds: float = 30.0

    trusted_proxies: str = Field(
        default="",
        description="addresses (comma-separated, CIDR allowed) of reverse proxies whose X-Forwarded-For is"
        " believed; none by default, so no client can choose the address its rate limits count against",
    )
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line, for a log pipeline
    # The bearer token Prometheus presents at /internal/metrics; without one only loopback may scrape.
    metrics_token: str | None = None

    # One account's failed sign-ins from one address before that address waits (core/staffauth): the
    # account itself is never locked, so nobody can lock a colleague out from another computer.
    staff_max_failed_logins: int = 5
    staff_lockout_minutes: int = 15

    def db_url(self, system: SystemName) -> str:
        """The database URL of one system (SQLite under var_dir unless configured)."""
        configured = getattr(self, f"{system}_db_url")
        if configured:
            return str(configured)
        return f"sqlite:///{(self.var_dir / f'{system}.db').as_posix()}"

    def kiosk_devices(self) -> str:
        """The kiosk's local device service, without a trailing slash."""
        return (self.kiosk_device_url or self.base_url("sandbox") + "/devices/kiosk/local").rstrip("/")

    def mzt_base(self) -> str:
        """Where 闽政通's 社会实名认证和授权登录 answers (the sandbox's stand-in by default)."""
        return (self.mzt_url or self.base_url("sandbox") + "/mzt/dataset").rstrip("/")

    def hcp_base(self) -> str:
        """Where the provincial 好差评 system's API gateway answers (the sandbox's stand-in by default)."""
        return (self.hcp_url or self.base_url("sandbox") + "/hcp/gateway").rstrip("/")

    def counter_devices(self) -> str:
        """A counter window's local device service, without a trailing slash."""
        return (self.counter_device_url or self.base_url("sandbox") + "/devices/window/local").rstrip("/")

    def base_url(self, system: SystemName) -> str:
        """The public base URL of one system, without a trailing slash."""
        return str(getattr(self, f"{system}_url")).rstrip("/")

    @property
    def https_only(self) -> bool:
        """Whether cookies carry ``Secure`` and responses HSTS (see ``cookie_secure``)."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not all(_loopback_http(self.base_url(s)) for s in SYSTEMS)

    @property
    def key_directory(self) -> Path:
        """Where this deployment's keys live."""
        return self.keys_dir if self.keys_dir is not None else self.var_dir / "keys"


def _loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
