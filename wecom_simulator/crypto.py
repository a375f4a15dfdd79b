"""WeCom callback encryption (docs 90968 / 91144), written from the protocol text.

AESKey = b64decode(EncodingAESKey + "="); AES-256-CBC with IV = AESKey[:16];
plaintext = random(16) + len(msg) as 4 bytes big-endian + msg + receiveid, PKCS#7-padded
to a multiple of 32, then base64. The signature is the lower-hex SHA-1 of the sorted
``[token, timestamp, nonce, encrypt]`` joined without separator.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    """A message could not be verified or decrypted."""


class SignatureMismatch(CryptoError):
    """``msg_signature`` does not match the token, timestamp, nonce and ciphertext."""


class ReceiverMismatch(CryptoError):
    """The decrypted message names another corp (receiveid)."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """WeCom's ``msg_signature``."""
    joined = "".join(sorted([token, str(timestamp), str(nonce), encrypt]))
    return hashlib.sha1(joined.encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=")
    except binascii.Error as error:
        raise CryptoError("EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise CryptoError("EncodingAESKey does not decode to 32 bytes")
    return key


def pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoError("empty plaintext")
    amount = data[-1]
    if amount < 1 or amount > BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]


class WeComCrypto:
    """Encrypt and decrypt callback payloads of one corp (token, key, receiveid)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self.token, timestamp, nonce, encrypt)

    def encrypt(self, message: str | bytes, random16: bytes | None = None) -> str:
        """Base64 ciphertext of ``message``; ``random16`` fixes the random prefix (tests)."""
        body = message.encode() if isinstance(message, str) else message
        prefix = random16 if random16 is not None else os.urandom(16)
        if len(prefix) != 16:
            raise CryptoError("the random prefix must be 16 bytes")
        plain = pad(prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode())
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypt: str) -> str:
        """The message inside ``encrypt``; checks padding, length and receiveid."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except binascii.Error as error:
            raise CryptoError("ciphertext is not base64") from error
        if not raw or len(raw) % 16:
            raise CryptoError("ciphertext length is not a multiple of the AES block")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, receiver = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length:
            raise CryptoError("message length exceeds plaintext")
        if receiver.decode(errors="replace") != self.receive_id:
            raise ReceiverMismatch("receiveid does not match the corp")
        try:
            return message.decode()
        except UnicodeDecodeError as error:
            raise CryptoError("message is not UTF-8") from error

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        expected = self.sign(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise SignatureMismatch("msg_signature does not match")

    def decrypt_signed(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """Verify the signature, then decrypt."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)
