"""Catalog: the rare-earth export control list, shipped as versioned data, with time-travel queries.

Lowest domain in the layer order: it imports no other Rarex domain.
"""

from rarex.catalog.model import Announcement, AnnouncementKind, ControlEntry, Element, EntryStatus
from rarex.catalog.results import CatalogListing, ControlCheck, EntryCheck
from rarex.catalog.service import ControlList, load_control_list, parse_control_list

__all__ = [
    "Announcement",
    "AnnouncementKind",
    "CatalogListing",
    "ControlCheck",
    "ControlEntry",
    "ControlList",
    "Element",
    "EntryCheck",
    "EntryStatus",
    "load_control_list",
    "parse_control_list",
]
