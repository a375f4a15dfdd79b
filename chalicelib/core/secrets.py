"""Secrets, read lazily and cached: from the environment locally, from AWS otherwise.

- ``SECRETS_SOURCE=env``: ``os.environ[name]`` (the local stack and tests).
- ``SECRETS_SOURCE=secretsmanager``: one JSON secret named by ``SECRETS_ID``.
- ``SECRETS_SOURCE=ssm``: SecureString parameters under the path ``SECRETS_ID``.

AWS reads go through Powertools Parameters, which caches for ``SECRETS_MAX_AGE_S``. A
secret's value is never logged.

Keys the product signs or hashes with have a minimum length (:data:`MIN_LENGTHS`),
checked on every read: a short one is refused as :class:`WeakSecret` (503, "the stage is
misconfigured", never a 500), so a stage never runs signing admin tokens with a guessable
key. ``python -m cli doctor`` checks the same before going live. Secrets the provider
issues (WeCom's app secret, Shopify's and Youzan's) are taken as given.
"""

from __future__ import annotations

import os

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import Settings, get_settings

WECOM_TOKEN = "WECOM_TOKEN"  # noqa: S105 - the name of a secret, not its value
WECOM_ENCODING_AES_KEY = "WECOM_ENCODING_AES_KEY"
WECOM_SECRET = "WECOM_SECRET"  # noqa: S105 - the name of a secret, not its value
#: Key of the HMAC that turns phone numbers into the hashes stored (never the numbers).
PHONE_HASH_KEY = "PHONE_HASH_KEY"


#: Secret -> (fewest characters, most characters). The admin token key signs HS256 JWTs
#: (32+ characters); the phone-hash key is an HMAC key; the EncodingAESKey is always 43
#: characters (32 bytes, base64 without its "="); WeCom's callback token is 3-32 letters
#: and digits; the generic webhook secret is an HMAC key the brand chooses.
MIN_LENGTHS: dict[str, tuple[int, int]] = {
    "ADMIN_JWT_SECRET": (32, 4096),
    PHONE_HASH_KEY: (24, 4096),
    WECOM_ENCODING_AES_KEY: (43, 43),
    WECOM_TOKEN: (3, 32),
    "GENERIC_WEBHOOK_SECRET": (16, 4096),
}


class MissingSecret(DependencyUnavailable):
    code = "secret_missing"


class WeakSecret(DependencyUnavailable):
    """A secret is set but shorter (or longer) than it must be: the stage refuses to run
    with it until it is replaced (docs/deploy.md, "Rotating secrets")."""

    code = "secret_too_short"


def check_length(name: str, value: str) -> None:
    """Raise :class:`WeakSecret` when ``value`` is outside ``name``'s allowed length."""
    bounds = MIN_LENGTHS.get(name)
    if bounds is None:
        return
    least, most = bounds
    if len(value) < least:
        raise WeakSecret(f"secret {name} has {len(value)} characters; it needs at least {least}")
    if len(value) > most:
        raise WeakSecret(f"secret {name} has {len(value)} characters; at most {most} are allowed")


def get_secret(name: str, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    if settings.secrets_source == "env":
        value = os.environ.get(name, "")
    else:
        from aws_lambda_powertools.utilities.parameters.exceptions import (
            GetParameterError,
            TransformParameterError,
        )

        try:
            value = _from_aws(name, settings)
        except (GetParameterError, TransformParameterError) as error:
            # The secret or parameter is missing, unreadable or not JSON: the caller may
            # retry later (503), and the reason goes to the log, never the value.
            raise MissingSecret(f"secret {name} could not be read") from error
    if not value:
        raise MissingSecret(f"secret {name} is not configured")
    check_length(name, value)
    return value


def _from_aws(name: str, settings: Settings) -> str:
    from aws_lambda_powertools.utilities import parameters

    if settings.secrets_source == "secretsmanager":
        bundle = parameters.get_secret(
            settings.secrets_id, transform="json", max_age=settings.secrets_max_age_s
        )
        return str(bundle.get(name, "")) if isinstance(bundle, dict) else ""
    path = settings.secrets_id.rstrip("/")
    return str(
        parameters.get_parameter(f"{path}/{name}", decrypt=True, max_age=settings.secrets_max_age_s)
    )
