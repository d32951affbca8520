"""Spotify tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from the
environment (``ANIMUSIC_TOKEN_KEY``, made by ``Fernet.generate_key()``)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class TokenKeyError(ValueError):
    pass


class TokenCipher:
    def __init__(self, key: str | bytes):
        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise TokenKeyError(
                "must be a Fernet key: 32 url-safe base64-encoded bytes "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from None

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, blob: bytes) -> str:
        """Raises ``TokenKeyError`` when the key changed since the token was stored."""
        try:
            return self._fernet.decrypt(bytes(blob)).decode()
        except InvalidToken:
            raise TokenKeyError(
                "stored Spotify token cannot be decrypted (was ANIMUSIC_TOKEN_KEY changed?)"
            ) from None
