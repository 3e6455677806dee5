"""What a person is told when the service will not do what they asked: one base for the domains' refusals
(a consent, an agency, a promise, a transition …), each carrying the Chinese sentence the page shows."""

from __future__ import annotations


class Refused(Exception):
    """Not done; ``message`` says why, in words the person who asked can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
