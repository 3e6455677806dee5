"""The sandbox: stand-ins for the partner systems the platform talks to (联调测试环境)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from anju.core.runtime import Runtime, build_runtime
from anju.core.settings import Settings
from anju.core.web import system_app
from anju.sandbox import home as home_page
from anju.sandbox.banjian import api as banjian_api
from anju.sandbox.banjian import models as _banjian_models  # noqa: F401 - tables on the metadata
from anju.sandbox.devices import kiosk as kiosk_device
from anju.sandbox.esign import api as esign_api
from anju.sandbox.esign import models as _esign_models  # noqa: F401 - tables on the metadata
from anju.sandbox.faceauth import api as faceauth_api
from anju.sandbox.hcp import api as hcp_api
from anju.sandbox.hcp import models as _hcp_models  # noqa: F401 - tables on the metadata
from anju.sandbox.idp import provider as idp
from anju.sandbox.models import TABLES, metadata
from anju.sandbox.mzt import provider as mzt
from anju.sandbox.population import models as _population_models  # noqa: F401 - tables on the metadata
from anju.sandbox.population.generator import population_generate
from anju.sandbox.population.service import personas_seed
from anju.sandbox.sms import api as sms_api
from anju.sandbox.sms import models as _sms_models  # noqa: F401 - tables on the metadata
from anju.sandbox.sources import api as sources_api
from anju.sandbox.sources import models as _source_models  # noqa: F401 - tables on the metadata
from anju.sandbox.sources.faults import FaultBoard

TEMPLATES_DIR = Path(__file__).with_name("templates")


def sandbox_runtime(settings: Settings) -> Runtime:
    """The sandbox's database, keys and peers."""
    return build_runtime(system="sandbox", settings=settings, tables=TABLES)


DEMO_SEED = 20261127


def sandbox_prepare(runtime: Runtime, *, people: int | None = None) -> int:
    """Build the sandbox tables, seed the sign-in personas and, when asked, the synthetic population.

    ``people`` random persons are generated (plus the demo households) unless it is None; returns how
    many sign-in personas were added.
    """
    metadata.create_all(runtime.db.engine)
    with runtime.db.transaction() as session:
        added = personas_seed(session=session)
    if people is not None:
        population_generate(db=runtime.db, people=people, seed=DEMO_SEED)
    return added


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """The sandbox ASGI app."""
    runtime = runtime or sandbox_runtime(settings)
    app, _templates, _metrics = system_app(
        runtime=runtime,
        title="安居 联调测试环境（沙箱）",
        service_name="联调测试环境",
        template_dirs=(TEMPLATES_DIR,),
    )

    platform = settings.base_url("platform")
    client = idp.IdpClient(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        redirect_uris=(f"{platform}/auth/callback",),
    )
    key = idp.idp_signing_key(directory=settings.key_directory)
    app.state.idp_client, app.state.idp_key = client, key
    app.state.faults = FaultBoard()
    app.state.mzt_app = mzt.MztApp(
        app_id=settings.mzt_app_id,
        auth_code=settings.mzt_auth_code,
        callback_prefix=f"{platform}/mztaccount/",
    )
    app.state.mzt_tickets = mzt.Tickets()
    # The demo terminals' card readers and printers: a kiosk's, a counter window's.
    app.state.demo_devices = {kind: kiosk_device.Devices() for kind in kiosk_device.DEMO_TERMINALS}
    routers = (
        home_page,
        idp,
        mzt,
        sources_api,
        esign_api,
        faceauth_api,
        sms_api,
        hcp_api,
        banjian_api,
        kiosk_device,
    )
    for routes in routers:
        app.include_router(routes.router)
    return app
