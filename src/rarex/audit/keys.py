"""The Ed25519 keys that sign audit checkpoints: read from a file or a setting, never stored in
the database, so that whoever can write the database cannot sign a checkpoint.

Both keys are accepted in two forms: PEM (a private key as PKCS#8 without a passphrase, as
``openssl genpkey -algorithm ed25519`` writes it; a public key as SubjectPublicKeyInfo, as
``openssl pkey -pubout`` writes it), or the 32 raw bytes in base64 (what fits in one environment
variable). A key is named in the log by its id: the first 16 hex digits of the SHA-256 of the
raw public key, so a log signed by keys in turn says which key signed each line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rarex.config import Settings
from rarex.errors import InvalidInput

_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(*_RAW)).hexdigest()[:16]


def _refused(source: str, what: str) -> InvalidInput:
    return InvalidInput(f"{source} {what}", code="audit.bad_key")


def _raw(text: bytes, source: str) -> bytes:
    try:
        raw = base64.b64decode(b"".join(text.split()), validate=True)
    except binascii.Error:
        raise _refused(source, "is neither PEM nor base64") from None
    if len(raw) != 32:
        raise _refused(source, f"holds {len(raw)} bytes in base64; an Ed25519 key is 32")
    return raw


def load_private_key(data: bytes, *, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM or base64; ``source`` names where it came from in the
    refusal (never the key itself)."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError):
            raise _refused(source, "is not a PEM private key without a passphrase") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise _refused(source, f"is a {type(key).__name__}, not an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw(text, source))


def load_public_key(data: bytes, *, source: str) -> Ed25519PublicKey:
    text = data.strip()
    if b"PRIVATE KEY" in text:
        raise _refused(source, "is a private key: give auditors the public key only")
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text)
        except ValueError:
            raise _refused(source, "is not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise _refused(source, f"is a {type(key).__name__}, not an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw(text, source))


def read_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", code="audit.bad_key") from None
    return load_public_key(data, source=str(path))


def signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The configured signing key (``RAREX_AUDIT_SIGNING_KEY`` or ``_FILE``), None when neither
    is set; refuses both at once, an unreadable file and anything but an Ed25519 key."""
    inline = (settings.audit_signing_key or "").strip()
    path = (settings.audit_signing_key_file or "").strip()
    if inline and path:
        raise InvalidInput(
            "set RAREX_AUDIT_SIGNING_KEY or RAREX_AUDIT_SIGNING_KEY_FILE, not both",
            code="config.invalid",
        )
    if inline:
        return load_private_key(inline.encode(), source="RAREX_AUDIT_SIGNING_KEY")
    if path:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InvalidInput(
                f"RAREX_AUDIT_SIGNING_KEY_FILE: cannot read {path}: {exc.strerror}",
                code="audit.bad_key",
            ) from None
        return load_private_key(data, source=f"RAREX_AUDIT_SIGNING_KEY_FILE ({path})")
    return None


def public_pem(public: Ed25519PublicKey) -> str:
    """The public key as auditors receive it (``openssl pkey -pubout`` writes the same)."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
