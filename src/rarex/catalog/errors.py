"""Catalog errors. Codes are stable: API clients and the CLI branch on them; never rename one."""

from __future__ import annotations

from typing import ClassVar

from rarex.errors import InvalidInput


class CatalogError(InvalidInput):
    """Something asked of the control list cannot be answered as given."""

    default_code: ClassVar[str] = "catalog.error"


class MalformedControlCode(CatalogError):
    """The text is not shaped like a control code (``1C902`` or ``1C902.a``)."""

    default_code = "catalog.malformed_control_code"


class UnknownControlCode(CatalogError):
    """Well formed, but the control list has no such entry (or base code, where one is allowed)."""

    default_code = "catalog.unknown_control_code"


class MalformedHsCode(CatalogError):
    """Not ten digits once spaces and dots are removed."""

    default_code = "catalog.malformed_hs_code"


class UnknownHsCode(CatalogError):
    """Well formed, but in no entry's cross-walk: an application line cannot cite it."""

    default_code = "catalog.unknown_hs_code"


class HsCodeMismatch(CatalogError):
    """The HS code is in the cross-walk, but of other entries than the one the line cites."""

    default_code = "catalog.hs_code_mismatch"


class InvalidCatalogData(CatalogError):
    """The control-list document is inconsistent; refusing it beats answering from bad law."""

    default_code = "catalog.invalid_data"
