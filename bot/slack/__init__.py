"""citebot in Slack. Re-exports only, loaded lazily so that ``citebot --help`` does not import slack_bolt."""

_EXPORTS = {
    "build_app": "bot.slack.app",
    "web_client": "bot.slack.app",
    "shutdown": "bot.slack.app",
    "Server": "bot.slack.server",
    "SlackSettings": "bot.slack.settings",
    "load_settings": "bot.slack.settings",
    "manifest": "bot.slack.manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.slack' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(_EXPORTS[name])
    return getattr(module, "load" if name == "load_settings" else name)
