"""Write the OpenAPI documents of the inter-system interfaces to docs/interfaces/ (`make openapi`).

A test regenerates them and compares, so the published contract cannot drift from the code.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from anju.core.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "interfaces"
SIGNED_HEADERS_NOTE = (
    "Every request and response carries the X-Anju-* signature headers described in signing.md "
    "(SM2 over an SM3 digest of a canonical string; DER signatures; default user ID 1234567812345678)."
)


def _only(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    spec = dict(spec)
    spec["paths"] = {p: v for p, v in spec["paths"].items() if p.startswith(prefix)}
    spec["info"] = {
        **spec["info"],
        "description": spec["info"].get("description", "") + "\n\n" + SIGNED_HEADERS_NOTE,
    }
    spec["servers"] = [
        {"url": "/", "description": "the system's base URL (e.g. https://housing.example/housing)"}
    ]
    return spec


def interface_documents() -> dict[str, dict[str, Any]]:
    """The intake API (housing) and the status bus (platform), as OpenAPI 3.1 documents."""
    from anju.housing import app as housing_app
    from anju.platform import app as platform_app
    from anju.sandbox import app as sandbox_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), keys_dir=Path(tmp) / "keys")
        from anju.core.runtime import ensure_keys

        ensure_keys(settings)
        housing_rt = housing_app.housing_runtime(settings)
        platform_rt = platform_app.platform_runtime(settings)
        sandbox_rt = sandbox_app.sandbox_runtime(settings)
        try:
            housing = housing_app.create_app(settings, runtime=housing_rt).openapi()
            platform = platform_app.create_app(settings, runtime=platform_rt).openapi()
            sandbox = sandbox_app.create_app(settings, runtime=sandbox_rt).openapi()
        finally:
            housing_rt.stop()
            platform_rt.stop()
            sandbox_rt.stop()
    return {
        "housing-intake.openapi.json": _only(housing, "/v1/cases"),
        "housing-assistance.openapi.json": _only(housing, "/v1/assistance/"),
        "housing-households.openapi.json": _only(housing, "/v1/households/"),
        "housing-waitlists.openapi.json": _only(housing, "/v1/waitlists/"),
        "housing-lotteries.openapi.json": _only(housing, "/v1/lotteries/"),
        "housing-offers.openapi.json": _only(housing, "/v1/offers/"),
        "housing-tenancies.openapi.json": _only(housing, "/v1/tenancies/"),
        "housing-reviews.openapi.json": _only(housing, "/v1/reviews/"),
        "housing-public-notices.openapi.json": _only(housing, "/v1/public-notices/"),
        "housing-eligibility.openapi.json": _only(housing, "/v1/eligibility/"),
        "housing-evaluations.openapi.json": _only(housing, "/v1/evaluations/"),
        "housing-guide.openapi.json": _only(housing, "/v1/guide-facts/"),
        "platform-bus.openapi.json": _only(platform, "/v1/bus/"),
        "platform-metrics.openapi.json": _only(platform, "/v1/metrics"),
        "platform-proofs.openapi.json": _only(platform, "/v1/applications/"),
        "sandbox-sources.openapi.json": _only(sandbox, "/v1/sources/"),
        "sandbox-esign.openapi.json": _only(sandbox, "/v1/esign/"),
        "sandbox-faceauth.openapi.json": _only(sandbox, "/v1/faceauth/"),
        "sandbox-sms.openapi.json": _only(sandbox, "/v1/sms/"),
        "sandbox-banjian.openapi.json": _only(sandbox, "/v1/banjian/"),
    }


def render(document: dict[str, Any]) -> str:
    """The stable text of a document as committed."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Regenerate the documents in docs/interfaces/."""
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, document in interface_documents().items():
        (DOCS / name).write_text(render(document), encoding="utf-8")
        print(f"wrote docs/interfaces/{name}")


if __name__ == "__main__":
    main()
