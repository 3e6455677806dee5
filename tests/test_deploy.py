"""The production shape's plan (anju.deploy), without starting it: which addresses, which processes, what
HAProxy is told. Starting it is tests/e2e/test_production_shape.py (the PostgreSQL pass)."""

from __future__ import annotations

from pathlib import Path

from anju.deploy import Deployment, Shape, haproxy_config

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
RUN = Path("var/deploy")


def test_each_system_is_reached_only_through_its_proxy_address() -> None:
    shape = Shape(run_dir=RUN, postgres=SERVER, base_port=30000)
    env = shape.env()
    assert (
        env["ANJU_PLATFORM_URL"] == "http://127.0.0.1:30001"
        and env["ANJU_HOUSING_URL"] == "http://127.0.0.1:30002"
    )
    assert env["ANJU_HOUSING_DB_URL"] == f"{SERVER}/anju_deploy_housing"
    assert shape.replica_ports("platform") == [30011, 30012] and shape.replica_ports("sandbox") == [30031]
    assert Deployment(shape).names() == [
        "platform-1", "platform-2", "housing-1", "housing-2", "sandbox-1",
        "worker-platform-1", "worker-platform-2", "worker-housing-1", "worker-housing-2", "haproxy",
    ]  # fmt: skip


def test_haproxy_balances_the_replicas_and_checks_readyz() -> None:
    config = haproxy_config(Shape(run_dir=RUN, postgres=SERVER, base_port=30000))
    housing = config.split("\nbackend housing_replicas")[1].split("frontend")[0]
    assert "balance roundrobin" in housing and "option httpchk GET /readyz" in housing
    assert (
        "server housing-1 127.0.0.1:30021 check" in housing
        and "server housing-2 127.0.0.1:30022 check" in housing
    )
    assert "listen postgres" not in config  # on loopback the systems reach the database themselves


def test_isolated_systems_reach_each_other_and_the_database_only_through_the_bridge() -> None:
    shape = Shape(run_dir=RUN, postgres=SERVER, base_port=30000, isolated=True)
    assert shape.proxy_host == "10.77.50.1" and shape.host_of("housing") == "10.77.50.12"
    env = shape.env()
    assert env["ANJU_HOUSING_URL"] == "http://10.77.50.1:30002"
    assert env["ANJU_PLATFORM_DB_URL"] == "postgresql+psycopg://postgres@10.77.50.1:5432/anju_deploy_platform"
    assert env["ANJU_TRUSTED_PROXIES"] == "10.77.50.1" and env["ANJU_COOKIE_SECURE"] == "false"
    config = haproxy_config(shape)
    assert "bind 10.77.50.1:30001" in config and "server platform-2 10.77.50.11:30012 check" in config
    relay = config.split("listen postgres")[1]
    assert (
        "mode tcp" in relay and "bind 10.77.50.1:5432" in relay and "server postgres 127.0.0.1:5432" in relay
    )
