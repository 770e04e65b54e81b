"""A mail backend for worker processes started by tests: one JSON line per message.

The tests read the file (``TEST_MAIL_LOG``) to count what went out, across processes.
"""

import json
import os

from django.core.mail.backends.base import BaseEmailBackend


class MailLogBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        with open(os.environ["TEST_MAIL_LOG"], "a", encoding="utf-8") as log:
            for message in email_messages:
                line = {"subject": message.subject, "to": message.to, "body": message.body}
                log.write(json.dumps(line) + "\n")
        return len(email_messages)
