"""The Slack app: mentions, direct messages, thread follow-ups, ``/ask``, share and vote buttons.

``build_app`` makes a ``slack_bolt.App``; nothing here connects or starts anything at import time,
and the same app serves Socket Mode and the HTTP Events API. Events are acknowledged at once; the
answer is computed and posted on a worker thread, so one slow answer holds up no other.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from ..answer import Answerer
from ..question import clean
from . import blocks, rich
from .feedback import FeedbackLog
from .settings import DEFAULT_API_URL
from .state import Seen

log = logging.getLogger(__name__)

HELP = ("Ask me a question about the articles, for example: _Which antibodies are associated with "
        "calcinosis in systemic sclerosis?_ I answer with the passages that say so and the references they cite.")
SORRY = "Sorry, something went wrong while answering that. Please try again in a minute."
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def web_client(token: str, *, api_url: str = DEFAULT_API_URL, timeout: int = 15, rate_limit_retries: int = 3
               ) -> WebClient:
    """A Web API client that waits out ``429 Retry-After`` and retries dropped connections."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
    ])


def _slack_error(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or e.response.status_code)
    except Exception:  # a response without a body
        return "unknown"


class Citebot:
    """The handlers, with what they share: the answerer, the feedback log and dedup (threads are read back
    from Slack, ``conversation``)."""

    def __init__(self, answerer: Answerer, feedback: FeedbackLog, *, top: int = 3, seen: Seen | None = None):
        self.answerer = answerer
        self.feedback = feedback
        self.top = top
        self.seen = seen or Seen()

    # -- posts: mentions, DMs, thread follow-ups ---------------------------------------------

    @staticmethod
    def _human_post(event: dict) -> bool:
        """A fresh post by a person: no bot, no edit, join, deletion or other subtype."""
        return not (event.get("subtype") or event.get("bot_id") or event.get("bot_profile")
                    or event.get("edited") or event.get("hidden") or not event.get("user")
                    or not event.get("channel") or not event.get("ts"))

    def on_mention(self, event: dict, body: dict, client: WebClient, context) -> None:
        if self._human_post(event):
            self._answer_post(event, body, client, follow_up=False)

    def on_message(self, event: dict, body: dict, client: WebClient, context) -> None:
        if not self._human_post(event):
            return
        kind = event.get("channel_type")
        if kind == "im":
            self._answer_post(event, body, client, follow_up=False)
            return
        thread = event.get("thread_ts")
        if not thread or thread == event["ts"]:
            return  # a channel post without a mention is not for us
        bot = context.get("bot_user_id") if context else None
        if bot and f"<@{bot}" in (event.get("text") or ""):
            return  # the app_mention event answers it
        self._answer_post(event, body, client, follow_up=True)  # answered only where the bot has answered

    def _answer_post(self, event: dict, body: dict, client: WebClient, *, follow_up: bool) -> None:
        channel, ts = event["channel"], event["ts"]
        if not self.seen.claim(("event", body.get("event_id")), ("post", channel, ts)):
            log.debug("already answered %s %s", channel, ts)
            return
        dm = event.get("channel_type") == "im" or channel.startswith("D")
        thread = event.get("thread_ts") if dm else (event.get("thread_ts") or ts)
        question = clean(event.get("text") or "")
        started = time.monotonic()
        try:
            if not question:
                self._post(client, channel, thread, blocks.Message(text=HELP, blocks=(blocks._mrkdwn(HELP),)))
                return
            joined, context = conversation(client, channel, None if dm else event.get("thread_ts"), dm=dm)
            if follow_up and not joined:
                return  # a thread the bot never answered in: people talking among themselves
            answer = self.answerer.ask(question, context=context, top=self.top)
            if follow_up and not answer.answered:
                log.info("follow-up in %s not covered by the articles; staying quiet", channel)
                return
            self._post(client, channel, thread, blocks.render(answer), metadata=answer_metadata(question, answer))
            log.info("%s in %s: %s, %d passage(s), %.0f ms", "follow-up" if follow_up else "question", channel,
                     "answered" if answer.answered else "declined", len(answer.hits),
                     (time.monotonic() - started) * 1000)
        except SlackApiError as e:
            log.warning("Slack refused the answer for %s (%s); carrying on", channel, _slack_error(e))
        except Exception:
            log.exception("answering a post in %s failed", channel)
            try:
                self._post(client, channel, thread, blocks.Message(text=SORRY, blocks=(blocks._mrkdwn(SORRY),)))
            except Exception as e:  # noqa: BLE001 - already failing; say so and move on
                log.warning("could not tell %s about the failure either: %s", channel, type(e).__name__)

    @staticmethod
    def _post(client: WebClient, channel: str, thread: str | None, msg: blocks.Message,
              metadata: dict | None = None) -> None:
        kwargs = {"thread_ts": thread} if thread else {}
        if metadata:
            kwargs["metadata"] = metadata
        client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **kwargs, **msg.kwargs())

    # -- /ask and its buttons ----------------------------------------------------------------

    def on_ask(self, ack, command: dict, respond) -> None:
        question = clean(command.get("text") or "")
        if not question:
            ack(response_type="ephemeral", text="Usage: /ask <question>. " + HELP)
            return
        ack()
        try:
            answer = self.answerer.ask(question, top=self.top)
            msg = blocks.render(answer, question=command.get("text") or "", share=True)
            self._respond(respond, response_type="ephemeral", **msg.kwargs())
            log.info("/ask in %s: %s, %d passage(s)", command.get("channel_id"),
                     "answered" if answer.answered else "declined", len(answer.hits))
        except Exception:
            log.exception("/ask in %s failed", command.get("channel_id"))
            self._respond(respond, response_type="ephemeral", text=SORRY)

    def on_share(self, ack, body: dict, action: dict, respond) -> None:
        ack()
        try:
            question = str(json.loads(action.get("value") or "{}")["q"])
        except (ValueError, KeyError, TypeError):
            log.warning("share button with a malformed value; ignored")
            return
        user = (body.get("user") or {}).get("id") or ""
        note = f"Shared by <@{user}> from /ask" if _USER_ID.match(user) else "Shared from /ask"
        answer = self.answerer.ask(question, top=self.top)
        msg = blocks.render(answer, question=question, note=note)
        self._respond(respond, response_type="in_channel", replace_original=False, **msg.kwargs())

    def on_vote(self, ack, body: dict, action: dict, respond) -> None:
        ack()
        vote = "up" if action.get("action_id") == blocks.VOTE_UP else "down"
        try:
            value = json.loads(action.get("value") or "{}")
            question, pids = str(value["q"]), [int(p) for p in value["p"]]
        except (ValueError, KeyError, TypeError):
            log.warning("vote button with a malformed value; ignored")
            return
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        try:
            self.feedback.record(vote, question, pids, channel=channel)
        except OSError as e:
            log.error("could not record feedback in %s: %s", self.feedback.path, e.strerror or e)
            self._respond(respond, response_type="ephemeral", replace_original=False,
                          text="Sorry, your feedback could not be saved.")
            return
        thumb = "👍" if vote == "up" else "👎"
        self._respond(respond, response_type="ephemeral", replace_original=False,
                      text=f"Thanks, your {thumb} has been recorded.")

    def on_show_all(self, ack, body: dict, action: dict, respond) -> None:
        """"Show all": the whole list of a trimmed answer block, visible to the one who clicked."""
        ack()
        from ..assemble import Assembler
        from . import rich

        try:
            pid = int(json.loads(action.get("value") or "{}")["pid"])
            structure = self.answerer.index.structure
            if not 0 <= pid < len(structure.parent_of):
                raise ValueError(pid)
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("show-all button with a malformed value; ignored")
            return
        assembler = Assembler(structure, self.answerer._passage)
        block = assembler.full(assembler.blocks([(pid, 1.0)], 1)[0])
        msg = [rich.where_line(1, block), rich.rich_block(block)]
        self._respond(respond, response_type="ephemeral", replace_original=False, blocks=msg,
                      text=block.lead.text if block.lead else block.items[0].text)

    @staticmethod
    def _respond(respond, **kwargs) -> None:
        try:
            r = respond(**kwargs)
            if r is not None and getattr(r, "status_code", 200) != 200:
                log.warning("response_url refused the reply (HTTP %s)", r.status_code)
        except Exception as e:  # noqa: BLE001 - an expired response_url must not stop the app
            log.warning("could not reply through response_url: %s", type(e).__name__)


ANSWER_EVENT = "citebot_answer"  # the metadata event type of the bot's answers (Slack message metadata)
DM_WINDOW = 3600.0  # seconds of a DM read back as its conversation
MAX_CONTEXT_TURNS = 10


def answer_metadata(question: str, answer) -> dict:
    """What the bot's answer carries in Slack, so any replica (or this one after a restart) can read the
    conversation back: the question, whether it was answered, and the articles and sections shown."""
    return {"event_type": ANSWER_EVENT, "event_payload": {
        "question": question[:2000], "answered": bool(answer.answered),
        "articles": sorted({b.source for b in answer.blocks}),
        "sections": [b.section_path for b in answer.blocks][:10]}}


def conversation(client: WebClient, channel: str, thread: str | None, *, dm: bool) -> tuple[bool, tuple[str, ...]]:
    """(whether the bot has answered here, the questions it answered, oldest first), read back from Slack:
    a thread with ``conversations.replies``, a DM with ``conversations.history`` over the last hour. No
    process memory: it survives restarts and works on any replica. A declined turn adds no context."""
    if not dm and not thread:
        return False, ()
    try:
        if dm:
            r = client.conversations_history(channel=channel, oldest=f"{time.time() - DM_WINDOW:.6f}",
                                             include_all_metadata=True, limit=100)
            messages = list(reversed(r.get("messages") or []))
        else:
            r = client.conversations_replies(channel=channel, ts=thread, include_all_metadata=True, limit=200)
            messages = r.get("messages") or []
    except SlackApiError as e:
        log.warning("could not read the conversation in %s (%s); answering without context", channel,
                    _slack_error(e))
        return False, ()
    joined, turns = False, []
    for m in messages:
        meta = m.get("metadata") or {}
        if meta.get("event_type") != ANSWER_EVENT or not m.get("bot_id"):
            continue
        joined = True
        payload = meta.get("event_payload") or {}
        if payload.get("answered") and payload.get("question"):
            turns.append(str(payload["question"]))
    return joined, tuple(turns[-MAX_CONTEXT_TURNS:])


def build_app(answerer: Answerer, *, client: WebClient | None = None, token: str | None = None,
              signing_secret: str | None = None, api_url: str = DEFAULT_API_URL,
              feedback_path: Path | str = Path("index") / "feedback.jsonl", workers: int = 16, top: int = 3,
              verify_token: bool = False) -> App:
    """The citebot Slack app.

    Give ``client`` (a ``WebClient`` with the bot token) or ``token`` (and ``api_url``). Without a
    ``signing_secret`` no HTTP request can pass verification (use it for Socket Mode only).
    ``verify_token`` calls ``auth.test`` now; otherwise on the first event.
    """
    if client is None:
        if not token:
            raise ValueError("build_app needs client= or token=")
        client = web_client(token, api_url=api_url)
    bot = Citebot(answerer, FeedbackLog(Path(feedback_path)), top=top)
    app = App(
        client=client,
        # Never "" (anyone can sign with an empty key) and never the environment behind our back.
        signing_secret=signing_secret or secrets.token_hex(32),
        process_before_response=False,
        token_verification_enabled=verify_token,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot-slack"),
    )
    app.event("app_mention")(bot.on_mention)
    app.event("message")(bot.on_message)
    app.command("/ask")(bot.on_ask)
    app.action(blocks.SHARE)(bot.on_share)
    app.action(rich.SHOW_ALL)(bot.on_show_all)
    app.action(re.compile(r"^citebot_vote_(up|down)$"))(bot.on_vote)
    app.citebot = bot  # type: ignore[attr-defined]  # for tests and the server's shutdown
    return app


def shutdown(app: App, *, wait: bool = True) -> None:
    """Let the answers in flight finish, then stop the worker threads."""
    app.listener_runner.listener_executor.shutdown(wait=wait)
