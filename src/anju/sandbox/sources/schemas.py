"""The register query contract (docs/interfaces/sandbox-sources.openapi.json), shared through core."""

from __future__ import annotations

from anju.core.registers import (
    RegisterAnswer,
    RegisterBatchAnswer,
    RegisterBatchQuery,
    RegisterQuery,
    RegisterRecord,
)

__all__ = ["RegisterAnswer", "RegisterBatchAnswer", "RegisterBatchQuery", "RegisterQuery", "RegisterRecord"]
