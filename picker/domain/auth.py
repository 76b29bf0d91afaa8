"""Operator PINs, stored as scrypt hashes, and the rules of signing in. Standard library only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from picker.domain.model import Operator, Role
from picker.errors import PickerError
from picker.i18n import _

# Interactive sign-in on a shared terminal: ~20 ms per check on this class of machine.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, all the hash needs to be checked later."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` hashes to `stored`; a malformed or unknown hash is False."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    got = hashlib.scrypt(
        pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got, expected)


class SignedIn(NamedTuple):
    """Who is signed in at a terminal: (code, name, role)."""

    code: str
    name: str
    role: Role


class SignInRefused(PickerError):
    """Unknown badge or operator, or a wrong PIN. Says no more than a stranger may learn."""

    exit_code = 2


class PinRequired(PickerError):
    """The operator is known; the PIN is still needed (a lead's badge, or a typed code)."""

    def __init__(self, message: str, code: str, name: str) -> None:
        super().__init__(message)
        self.code = code
        self.name = name


def identify(operators: Iterable[Operator], code_or_badge: str) -> tuple[Operator, bool] | None:
    """The active operator with this badge (True) or operator code (False), any case."""
    wanted = code_or_badge.strip().upper()
    if not wanted:
        return None
    by_code = None
    for op in operators:
        if op.badge.upper() == wanted:
            return op, True
        if op.code.upper() == wanted:
            by_code = op
    return (by_code, False) if by_code else None


def check_sign_in(
    operators: Iterable[Operator], code_or_badge: str, pin: str | None = None
) -> SignedIn:
    """Who may sign in with this badge or operator code and PIN.

    A badge scan alone signs in pickers and drivers: their badge only lets them work in
    their own name, and every scan is logged. Shift leads take over batches, cancel orders
    and import files, so a lead also types the PIN; so does anyone who types a code instead
    of scanning a badge. Raises `PinRequired` (with the operator's code) or `SignInRefused`.
    """
    found = identify(operators, code_or_badge)
    if pin is None:
        if found is None:
            raise SignInRefused(_("unknown badge or operator {code}", code=code_or_badge.strip()))
        op, by_badge = found
        if by_badge and op.role is not Role.LEAD:
            return SignedIn(op.code, op.name, op.role)
        raise PinRequired(_("{name}, type your PIN", name=op.name), op.code, op.name)
    if found is None or not verify_pin(pin, found[0].pin_hash):
        raise SignInRefused(_("wrong operator or PIN"))
    op = found[0]
    return SignedIn(op.code, op.name, op.role)


@dataclass
class Lockout:
    """Failed PINs at one terminal: after `limit` in a row, sign-in waits `seconds`.

    Times are the caller's monotonic clock, so tests can move it.
    """

    limit: int = 5
    seconds: float = 30.0
    failures: int = 0
    until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds left before the next try is allowed (0: go ahead)."""
        return max(0.0, self.until - now)

    def failed(self, now: float) -> bool:
        """Count a wrong PIN; True when this one starts a lock-out."""
        self.failures += 1
        if self.failures >= self.limit:
            self.failures = 0
            self.until = now + self.seconds
            return True
        return False

    def succeeded(self) -> None:
        self.failures = 0
