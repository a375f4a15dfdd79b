"""WeCom callback crypto (docs 90238 / 91144): signature, AES envelope, receive id.

The envelope is AES-256-CBC (IV: the key's first 16 bytes) over ``16 random bytes + the
message length (4 bytes, network order) + the message + the receive id``, PKCS#7-padded to
32-byte blocks: the layout wechatpy's ``PrpCrypto`` writes and reads, done here with
``cryptography`` directly (importing wechatpy loads its whole API client, some 170 modules
on the callback's cold start). Around it this module adds what wechatpy leaves out: a
constant-time signature compare, a timestamp window (the protocol has none), XML parsing
with defusedxml, and one typed error per failure instead of bare
``UnicodeDecodeError``/``ExpatError``.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import time
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from chalicelib.core.errors import BadRequest, Forbidden, Unauthorized

AES_KEY_LENGTH = 43
#: PKCS#7 block size of the protocol (not AES's 16).
BLOCK = 32
MAX_ENVELOPE_BYTES = 64 * 1024


class InvalidSignature(Unauthorized):
    code = "invalid_signature"


class StaleTimestamp(Forbidden):
    code = "stale_timestamp"


class WrongReceiver(Forbidden):
    code = "wrong_receiver"


class MalformedCallback(BadRequest):
    code = "malformed_callback"


def sign(token: str, timestamp: str, nonce: str, payload: str) -> str:
    """``sha1(''.join(sorted([token, timestamp, nonce, payload])))`` in lower hex."""
    joined = "".join(sorted((token, timestamp, nonce, payload)))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - WeCom's protocol is SHA-1


@dataclass(frozen=True)
class CallbackCrypto:
    token: str
    encoding_aes_key: str
    corp_id: str
    max_skew_s: int | None = 300

    def __post_init__(self) -> None:
        if len(self.encoding_aes_key) != AES_KEY_LENGTH:
            raise ValueError("EncodingAESKey must be exactly 43 characters")

    # --- verification ---------------------------------------------------------------

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The GET handshake: check the signature over ``echostr`` and return its plaintext."""
        self._check(signature, timestamp, nonce, echostr)
        return self._decrypt(echostr)

    def decrypt_envelope(self, signature: str, timestamp: str, nonce: str, body: bytes) -> str:
        """A POSTed event: return the decrypted XML after every check has passed."""
        encrypted = read_envelope(body)
        self._check(signature, timestamp, nonce, encrypted)
        return self._decrypt(encrypted)

    def encrypt(self, plaintext: str, nonce: str, timestamp: str) -> tuple[str, str]:
        """Encrypt ``plaintext`` as WeCom would; returns ``(encrypt, msg_signature)``."""
        import base64
        import secrets

        message = plaintext.encode()
        body = b"".join(
            (
                secrets.token_hex(8).encode(),  # 16 random bytes
                struct.pack("!I", len(message)),
                message,
                self.corp_id.encode(),
            )
        )
        pad = BLOCK - len(body) % BLOCK
        encryptor = _cipher(self._key).encryptor()
        sealed = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
        encrypted = base64.b64encode(sealed).decode()
        return encrypted, sign(self.token, timestamp, nonce, encrypted)

    # --- internals ------------------------------------------------------------------

    @property
    def _key(self) -> bytes:
        import base64

        return base64.b64decode(self.encoding_aes_key + "=")

    def _check(self, signature: str, timestamp: str, nonce: str, payload: str) -> None:
        if not (signature and timestamp and nonce and payload):
            raise InvalidSignature("msg_signature, timestamp, nonce and payload are required")
        expected = sign(self.token, timestamp, nonce, payload)
        # Bytes: compare_digest refuses str with non-ASCII characters (a forged signature).
        if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
            raise InvalidSignature("signature does not match")
        if self.max_skew_s is not None:
            try:
                sent_at = int(timestamp)
            except ValueError as error:
                raise MalformedCallback("timestamp is not an integer") from error
            if abs(time.time() - sent_at) > self.max_skew_s:
                raise StaleTimestamp("timestamp is outside the accepted window")

    def _decrypt(self, encrypted: str) -> str:
        import base64

        try:
            decryptor = _cipher(self._key).decryptor()
            plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
            content = plain[16 : -plain[-1]]
            (length,) = struct.unpack("!I", content[:4])
            message = content[4 : length + 4].decode()
            receiver = content[length + 4 :].decode()
        except (ValueError, TypeError, IndexError, struct.error, UnicodeDecodeError) as error:
            raise MalformedCallback("payload does not decrypt") from error
        if receiver != self.corp_id:
            raise WrongReceiver("the message was not addressed to this corp")
        return message


def _cipher(key: bytes) -> Any:
    """AES-256-CBC with the key's first 16 bytes as IV, as the protocol fixes it."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def read_envelope(body: bytes) -> str:
    """The ``Encrypt`` field of a callback body, parsed safely."""
    if not body:
        raise MalformedCallback("empty body")
    if len(body) > MAX_ENVELOPE_BYTES:
        raise MalformedCallback("body is larger than a WeCom callback can be")
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, ExpatError, DefusedXmlException, ValueError) as error:
        raise MalformedCallback("body is not a well-formed XML envelope") from error
    encrypted = root.findtext("Encrypt")
    if not encrypted:
        raise MalformedCallback("envelope has no Encrypt element")
    return encrypted.strip()
