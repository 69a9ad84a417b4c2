"""Slack settings from the environment, checked once, in one place.

Secrets come only from the environment and are never logged or shown back: an error names the
variable and says what was expected, never the value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError

DEFAULT_API_URL = "https://slack.com/api/"

_WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with the connections:write scope, from Basic Information",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your app's Basic Information page",
}
_PREFIX = {"SLACK_BOT_TOKEN": ("xoxb-", "xoxe.xoxb-"), "SLACK_APP_TOKEN": ("xapp-",)}


@dataclass(frozen=True)
class SlackSettings:
    """Everything the Slack front needs. ``repr`` hides the secrets."""

    bot_token: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL


def _secret(env, name: str, required: bool) -> str | None:
    raw = env.get(name)
    if raw is None or not raw.strip():
        if not required:
            return None
        raise ConfigError(f"{name} is not set; expected {_WHERE[name]}; export it and run again")
    value = raw.strip()
    if re.search(r"\s", value):
        raise ConfigError(f"{name} contains whitespace; expected a single {_WHERE[name]}; copy it again")
    prefixes = _PREFIX.get(name)
    if prefixes and not value.startswith(prefixes):
        raise ConfigError(f"{name} does not start with {prefixes[0]}; expected {_WHERE[name]}; check which "
                          f"token you exported")
    return value


def api_url_from(env) -> str:
    raw = (env.get("SLACK_API_URL") or "").strip()
    if not raw:
        return DEFAULT_API_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError("SLACK_API_URL is not an http(s) URL; expected the Web API base, such as "
                          "https://slack.com/api/; fix or unset it")
    return raw if raw.endswith("/") else raw + "/"


def load(*, http: bool, index_dir: Path, env=None) -> SlackSettings:
    """Settings for Socket Mode (``http=False``) or the HTTP Events API (``http=True``)."""
    env = os.environ if env is None else env
    bot = _secret(env, "SLACK_BOT_TOKEN", True)
    app_token = _secret(env, "SLACK_APP_TOKEN", not http)
    secret = _secret(env, "SLACK_SIGNING_SECRET", http)
    return SlackSettings(
        bot_token=bot,
        app_token=app_token if not http else None,
        signing_secret=secret,
        api_url=api_url_from(env),
    )
