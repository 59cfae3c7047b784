"""What the web's Slack and Twilio webhooks use of those adapters: the request signature
checks, the Slack promise modal and message blocks, the TwiML of a voice call. The web
takes them from the composition root, which is the one place that picks adapters."""

from __future__ import annotations

from notifications.slack import PROMISE_CALLBACK
from notifications.slack import SlackTransport
from notifications.slack import promise_modal
from notifications.slack import replace_account
from notifications.slack import submitted
from notifications.slack import verify_request
from notifications.twilio_channels import STATUS_PATH
from notifications.twilio_channels import VOICE_PATH
from notifications.twilio_channels import say
from notifications.twilio_channels import signature_valid

__all__ = ["PROMISE_CALLBACK", "STATUS_PATH", "VOICE_PATH", "SlackTransport", "promise_modal",
           "replace_account", "say", "signature_valid", "submitted", "verify_request"]
