"""Signed one-click unsubscribe tokens: who (user id) and what (kind), nothing else.

The token is the credential: holding it is enough to turn that one kind of email off for that
one person, which is all it can do. Signed with SECRET_KEY and a salt used for nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "notifications.unsubscribe.v1"
MAX_AGE = timedelta(days=365)


class TokenInvalid(Exception):
    """Tampered with, cut short, or never ours."""


class TokenExpired(Exception):
    """Genuine, but older than MAX_AGE."""


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    match value:
        case [int() as user_id, str() as kind]:
            return user_id, kind
    raise TokenInvalid
