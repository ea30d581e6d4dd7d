"""Users, roles, tokens and permission checks; used by every room, uses none of them."""

from rarex.auth.roles import Actor, Role, require_role

__all__ = ["Actor", "Role", "require_role"]
