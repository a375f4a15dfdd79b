"""Secrets, read lazily and cached: from the environment locally, from AWS otherwise.

- ``SECRETS_SOURCE=env``: ``os.environ[name]`` (the local stack and tests).
- ``SECRETS_SOURCE=secretsmanager``: one JSON secret named by ``SECRETS_ID``.
- ``SECRETS_SOURCE=ssm``: SecureString parameters under the path ``SECRETS_ID``.

AWS reads go through Powertools Parameters, which caches for ``SECRETS_MAX_AGE_S``. A
secret's value is never logged.
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


class MissingSecret(DependencyUnavailable):
    code = "secret_missing"


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
