"""The Slack app manifest shipped with citebot, as is (Socket Mode) or pointed at an HTTPS URL."""

from __future__ import annotations

import copy
import json
from importlib import resources
from urllib.parse import urlsplit

from ..errors import ConfigError


def manifest(request_url: str | None = None) -> dict:
    """The manifest; with ``request_url`` (``https://host/slack/events``) Socket Mode is off and every
    request URL points there."""
    data = json.loads(resources.files("bot.slack").joinpath("manifest.json").read_text(encoding="utf-8"))
    if request_url is None:
        return data
    parts = urlsplit(request_url)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(f"--request-url {request_url!r} is not an https URL; Slack only sends events to "
                          f"https, e.g. https://citebot.example.org/slack/events")
    data = copy.deepcopy(data)
    data["settings"]["socket_mode_enabled"] = False
    data["settings"]["event_subscriptions"]["request_url"] = request_url
    data["settings"]["interactivity"]["request_url"] = request_url
    for c in data["features"]["slash_commands"]:
        c["url"] = request_url
    return data


def manifest_text(request_url: str | None = None) -> str:
    return json.dumps(manifest(request_url), indent=2, ensure_ascii=False) + "\n"
