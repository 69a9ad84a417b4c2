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

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from ..answer import Answerer
from ..question import clean, new_subject
from . import blocks, rich
from .settings import DEFAULT_API_URL

log = logging.getLogger(__name__)

HELP = ("Ask me a question about the articles, for example: _Which antibodies are associated with "
        "calcinosis in systemic sclerosis?_ I answer with the passages that say so and the references they cite.")
SORRY = "Sorry, something went wrong while answering that. Please try again in a minute."
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def web_client(token: str, *, api_url: str = DEFAULT_API_URL, timeout: int = 15) -> WebClient:
    """A Web API client that retries dropped connections (429 and 5xx: ``retrying``)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=2),
    ])  # 429 and 5xx: ``retrying`` waits them out until a deadline


def _slack_error(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or e.response.status_code)
    except Exception:  # a response without a body
        return "unknown"


DELIVERY_DEADLINE = 60.0  # seconds a post, update, reaction or response_url reply is retried on 429 / 5xx
RETRIED = {429, 500, 502, 503, 504}
WORKING = "eyes"  # the reaction on a question while it is answered


def _status(e: SlackApiError) -> int | None:
    try:
        return int(e.response.status_code)
    except (AttributeError, TypeError, ValueError):
        return None


def _retry_after(headers, attempt: int) -> float:
    for k, v in dict(headers).items():
        if k.lower() == "retry-after":
            try:
                return max(0.0, float(v[0] if isinstance(v, list) else v))
            except (TypeError, ValueError):
                break
    return min(2.0 ** attempt * 0.25, 8.0)  # 5xx: back off 0.5, 1, 2, … 8 s


class Refused(Exception):
    """A ``response_url`` reply answered with another status than 200 (the webhook client does not raise)."""

    def __init__(self, status: int, headers):
        super().__init__(status)
        self.status, self.headers = status, headers


def retrying(call, deadline: float):
    """``call()``, again after ``Retry-After`` (429) or a growing backoff (5xx), until ``deadline`` seconds.
    The Web API says so with ``SlackApiError``, a ``response_url`` reply with ``Refused``."""
    end = time.monotonic() + deadline
    attempt = 0
    while True:
        try:
            return call()
        except (SlackApiError, Refused) as e:
            if isinstance(e, Refused):
                status, headers = e.status, e.headers
            else:
                status, headers = _status(e), getattr(e.response, "headers", {}) or {}
            if status not in RETRIED or time.monotonic() >= end:
                raise
            attempt += 1
            time.sleep(min(_retry_after(headers, attempt), max(0.0, end - time.monotonic())))



class Citebot:
    """The handlers, with what they share: the answerer and the state store (dedup, votes, stored answers;
    ``shared.py``). Threads are read back from Slack (``conversation``)."""

    def __init__(self, answerer: Answerer, state, *, top: int = 3, deadline: float = DELIVERY_DEADLINE):
        self.answerer = answerer
        self.state = state  # shared.SQLiteState or shared.RedisState: dedup, votes, stored answers
        self.top = top
        self.deadline = deadline  # seconds a reply keeps being retried on 429 / 5xx

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
        if not self.state.claim(f"post:{channel}:{ts}"):  # retries, and a DM seen as mention and message
            log.info("already answered %s %s; skipped", channel, ts)
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
            working = self._react(client, "reactions_add", channel, ts)  # 👀 while answering
            try:
                answer = self.answerer.ask(question, context=context, top=self.top)
                if follow_up and not answer.answered and answer.reason_code != "too_long":
                    log.info("follow-up in %s not covered by the articles; staying quiet", channel)
                    return
                self._post(client, channel, thread, blocks.render(answer),
                           metadata=answer_metadata(question, answer), event_id=body.get("event_id"))
            finally:
                if working:
                    self._react(client, "reactions_remove", channel, ts)
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

    def _post(self, client: WebClient, channel: str, thread: str | None, msg: blocks.Message,
              metadata: dict | None = None, event_id: str | None = None) -> None:
        kwargs = {"thread_ts": thread} if thread else {}
        if metadata:
            kwargs["metadata"] = metadata
        try:
            retrying(lambda: client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                                     **kwargs, **msg.kwargs()), self.deadline)
        except SlackApiError as e:
            if _status(e) in RETRIED:
                log.error("could not deliver the answer to event %s in %s within %.0f s (%s); it is lost",
                          event_id, channel, self.deadline, _slack_error(e))
            raise

    def _react(self, client: WebClient, method: str, channel: str, ts: str) -> bool:
        """👀 on the question while it is answered; False (and the answer goes on) when Slack refuses,
        for instance an app installed before it asked for reactions:write."""
        try:
            retrying(lambda: getattr(client, method)(channel=channel, timestamp=ts, name=WORKING), self.deadline)
            return True
        except SlackApiError as e:
            log.debug("no working sign in %s (%s)", channel, _slack_error(e))
            return False
        except OSError:
            return False

    # -- /ask and its buttons ----------------------------------------------------------------

    @staticmethod
    def ack_ask(ack, command: dict) -> None:
        """Acknowledge /ask at once, in the request's own thread (never behind busy answer workers)."""
        if not clean(command.get("text") or ""):
            ack(response_type="ephemeral", text="Usage: /ask <question>. " + HELP)
        else:
            ack()

    def on_ask(self, command: dict, respond) -> None:
        question = clean(command.get("text") or "")
        if not question:
            return
        try:
            answer = self.answerer.ask(question, top=self.top)
            msg = blocks.render(answer, question=command.get("text") or "", share=True)
            if answer.answered:  # "Share" posts this very answer, not a recomputed one
                key = secrets.token_hex(12)
                self.state.put_answer(key, {"blocks": list(msg.blocks), "text": msg.text,
                                            "channel": command.get("channel_id")})
                msg = blocks.with_share_key(msg, key)
            self._respond(respond, response_type="ephemeral", **msg.kwargs())
            log.info("/ask in %s: %s, %d passage(s)", command.get("channel_id"),
                     "answered" if answer.answered else "declined", len(answer.hits))
        except Exception:
            log.exception("/ask in %s failed", command.get("channel_id"))
            self._respond(respond, response_type="ephemeral", text=SORRY)

    def on_share(self, body: dict, action: dict, respond) -> None:
        """Post the stored /ask answer in the channel where /ask was typed, and delete the private copy."""
        try:
            key = str(json.loads(action.get("value") or "{}")["k"])
        except (ValueError, KeyError, TypeError):
            log.warning("share button with a malformed value; ignored")
            return
        stored = self.state.get_answer(key)
        if stored is None:
            self._respond(respond, response_type="ephemeral", replace_original=False,
                          text="That answer has expired; ask again to share it.")
            return
        user = (body.get("user") or {}).get("id") or ""
        note = f"Shared by <@{user}> from /ask" if _USER_ID.match(user) else "Shared from /ask"
        shared = blocks.shared_copy(stored["blocks"], note)
        self._respond(respond, response_type="in_channel", delete_original=True, replace_original=False,
                      text=stored["text"], blocks=shared)

    def on_vote(self, body: dict, action: dict, respond) -> None:
        """One vote per user per answer (a second click changes it), with who, where and what was shown;
        the message then says the vote was taken."""
        vote = "up" if action.get("action_id") == blocks.VOTE_UP else "down"
        try:
            pids = [int(p) for p in json.loads(action.get("value") or "{}")["p"]]
        except (ValueError, KeyError, TypeError):
            log.warning("vote button with a malformed value; ignored")
            return
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts") or ""
        user = (body.get("user") or {}).get("id") or ""
        try:
            self.state.vote(channel=channel, message_ts=message_ts, user=user, vote=vote, passages=pids)
        except Exception as e:  # noqa: BLE001 - a store that failed: say so, keep running
            log.error("could not record a vote in %s: %s", self.state.describe(), type(e).__name__)
            self._respond(respond, response_type="ephemeral", replace_original=False,
                          text="Sorry, your feedback could not be saved.")
            return
        thumb = "👍" if vote == "up" else "👎"
        taken = f"Thanks, your {thumb} has been recorded (click again to change it)."
        original = (body.get("message") or {}).get("blocks")
        if original and not container.get("is_ephemeral"):
            self._respond(respond, replace_original=True, text=(body.get("message") or {}).get("text") or taken,
                          blocks=blocks.with_vote_note(original, taken))
        else:
            self._respond(respond, response_type="ephemeral", replace_original=False, text=taken)

    def on_show_all(self, body: dict, action: dict, respond) -> None:
        """"Show all": the whole list of a trimmed answer block, visible to the one who clicked."""
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

    def _respond(self, respond, **kwargs) -> None:
        """Reply through ``response_url``, retried on 429 (``Retry-After``) and 5xx until the deadline."""
        def send():
            r = respond(**kwargs)
            status = getattr(r, "status_code", 200) if r is not None else 200
            if status != 200:
                raise Refused(status, getattr(r, "headers", {}) or {})

        try:
            retrying(send, self.deadline)
        except Refused as e:
            log.warning("response_url refused the reply (HTTP %s)", e.status)
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
        elif payload.get("question") and new_subject(str(payload["question"])) is not None:
            turns.clear()  # a new subject, declined: no topic of its own, but the one before it is over
    return joined, tuple(turns[-MAX_CONTEXT_TURNS:])


def build_app(answerer: Answerer, *, client: WebClient | None = None, token: str | None = None,
              signing_secret: str | None = None, api_url: str = DEFAULT_API_URL, state=None,
              workers: int = 16, top: int = 3, verify_token: bool = False,
              deadline: float = DELIVERY_DEADLINE) -> App:
    """The citebot Slack app.

    Give ``client`` (a ``WebClient`` with the bot token) or ``token`` (and ``api_url``). Without a
    ``signing_secret`` no HTTP request can pass verification (use it for Socket Mode only). ``state`` is
    the shared store (``shared.open_state()`` when None). ``verify_token`` calls ``auth.test`` now.
    Every listener acknowledges in the request's own thread and does its work on the ``workers`` pool
    (bolt's lazy listeners), so a slash command or a click is acknowledged even while every worker waits.
    """
    from .shared import open_state

    if client is None:
        if not token:
            raise ValueError("build_app needs client= or token=")
        client = web_client(token, api_url=api_url)
    bot = Citebot(answerer, state if state is not None else open_state(), top=top, deadline=deadline)
    app = App(
        client=client,
        # Never "" (anyone can sign with an empty key) and never the environment behind our back.
        signing_secret=signing_secret or secrets.token_hex(32),
        process_before_response=True,  # the ack functions run in the request thread; the work is lazy
        token_verification_enabled=verify_token,
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot-slack"),
    )

    def ack_now(ack):
        ack()

    app.event("app_mention")(ack=ack_now, lazy=[bot.on_mention])
    app.event("message")(ack=ack_now, lazy=[bot.on_message])
    app.command("/ask")(ack=bot.ack_ask, lazy=[bot.on_ask])
    app.action(blocks.SHARE)(ack=ack_now, lazy=[bot.on_share])
    app.action(rich.SHOW_ALL)(ack=ack_now, lazy=[bot.on_show_all])
    app.action(re.compile(r"^citebot_vote_(up|down)$"))(ack=ack_now, lazy=[bot.on_vote])
    app.citebot = bot  # type: ignore[attr-defined]  # for tests and the server's shutdown
    return app


def shutdown(app: App, *, wait: bool = True) -> None:
    """Let the answers in flight finish, then stop the worker threads."""
    app.listener_runner.listener_executor.shutdown(wait=wait)
