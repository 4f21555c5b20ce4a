"""An email backend for development: one ``.eml`` file per message."""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """Write every message to ``EMAIL_FILE_PATH/<timestamp>-<random>.eml``.

    Any mail client opens these files, attachments included. Each file is written
    under a temporary name and renamed, so a reader never sees half a message.
    """

    def send_messages(self, email_messages):
        directory = Path(settings.EMAIL_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}.eml"
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            os.replace(tmp, directory / name)
        return len(email_messages)
