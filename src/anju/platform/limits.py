"""The platform's limits and idle times, read once from limits.yaml (data with a source, all provisional)."""

from __future__ import annotations

from pathlib import Path

from anju.core.ratelimit import limits_load

LIMITS = limits_load(Path(__file__).with_name("limits.yaml"))
