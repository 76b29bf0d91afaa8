"""Bench scale protocols: the bytes a scale is asked and answers, as `Reading` values. Pure.

Two protocols most bench scales speak, as implemented here (every byte is ASCII; a parity
bit, if the line uses 7 data bits, is masked off):

Mettler Toledo 8217 (`toledo8217`), one-character commands, no CR:
  `W` (57)  weight:  `STX weight CR` when the weight is valid and steady, where weight is
            `DD.DDD` kg (or 5 digits `DDDDD`, grams, on scales set without the point);
            otherwise the status record `STX ? S1 [S2 [S3]] CR`.
  `S` (53)  status:  the status record.
  `Z` (5A)  zero:    the scale zeroes (ignored in motion) and answers the status record.
  No tare command: 8217 scales tare at their own keys.
  Two status records are in use. One status byte (8213 layout, sent by most 8217 scales):
  bit 6 always 1, bit 5 net weight (0: gross), bit 0 motion, 1 over capacity, 2 under zero,
  3 outside zero capture range, 4 centre of zero; so `?A` is moving in gross, `?a` in net.
  Two or three bytes (bits 4 and 5 always 1, 6 always 0): byte 1 bit 0 motion, 1 at zero,
  2 RAM error, 3 EEPROM error; byte 2 bit 0 under zero, 1 over capacity, 2 ROM error,
  3 faulty calibration; byte 3 (some scales) bits 0-3 errors.

SMA SCP-0499 level 2 (`sma`), commands `LF c CR`:
  `LF W CR` weight, `LF S CR` status, `LF Z CR` zero, `LF T CR` tare, `LF C CR` clear tare.
  Standard reply: `LF s r n m f wwwwwwwwww uuu CR`: s status (`Z` centre of zero, `O` over
  capacity, `U` under zero, `E` zero error, `I` initial zero error, `T` tare error, space
  none), r range digit, n `G`ross / `N`et / `T`are (`g`, `n` high resolution), m `M` motion
  or space, f reserved, a 10-character weight (sign and point included, dashes on an error),
  a 3-character unit (`kg`, `g`, `lb`, `oz`). `LF ? CR`: command not known; `LF ! CR`:
  the scale saw a parity or framing error.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from picker.errors import PickerError
from picker.i18n import N_, _

STX, CR, LF = b"\x02", b"\r", b"\n"
#: A reply is a few dozen bytes: a start byte without a CR this far on is noise.
LONGEST_FRAME = 64
_SEVEN_BITS = bytes(b & 0x7F for b in range(256))


class ScaleStatus(enum.StrEnum):
    STABLE = "stable"
    ZERO = "zero"
    MOTION = "motion"
    UNDER_ZERO = "under-zero"
    OVER_CAPACITY = "over-capacity"
    ERROR = "error"
    #: No answer: made by the device layer, never by a protocol.
    SILENT = "silent"
    #: Replies that are not the protocol's (another protocol or baud rate set): device layer.
    WRONG_PROTOCOL = "wrong-protocol"


#: Why a reading cannot be recorded, in the packer's words (codes of the scan log).
SCALE_REASONS: dict[str, str] = {
    "scale_empty": N_("nothing on the scale: put the item on it"),
    "scale_motion": N_("the scale is still moving: wait for a steady weight"),
    "scale_under_zero": N_("the scale reads below zero: empty it and zero it"),
    "scale_over_capacity": N_("over the scale's capacity: weigh it in parts"),
    "scale_error": N_("the scale reports an error ({detail}): check it, or scan the label"),
    "scale_silent": N_("the scale does not answer: scan the item's scale label instead"),
    "scale_protocol": N_("the scale's reply is not understood: {detail}"),
}

_REASON_OF = {
    ScaleStatus.ZERO: "scale_empty",
    ScaleStatus.MOTION: "scale_motion",
    ScaleStatus.UNDER_ZERO: "scale_under_zero",
    ScaleStatus.OVER_CAPACITY: "scale_over_capacity",
    ScaleStatus.ERROR: "scale_error",
    ScaleStatus.SILENT: "scale_silent",
    ScaleStatus.WRONG_PROTOCOL: "scale_protocol",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One answer of a scale. `grams` is None when the scale sent no weight (status only)."""

    grams: int | None
    stable: bool
    status: ScaleStatus
    #: What an error or a silence was, for the screen (e.g. "zero error").
    detail: str = ""
    #: The scale says the weight is net of a tare (False: gross, or not said).
    net: bool = False
    #: When it was read (monotonic seconds; None: not from a device), so that a reading too
    #: old to trust is never recorded. Not part of what the reading says.
    at: float | None = field(default=None, compare=False)

    @property
    def accepted(self) -> bool:
        """Only a steady, positive weight within capacity may be recorded."""
        return (
            self.status is ScaleStatus.STABLE
            and self.stable
            and self.grams is not None
            and self.grams > 0
        )

    @property
    def reason(self) -> str | None:
        """The code of `SCALE_REASONS` saying why it is refused, or None when accepted."""
        if self.accepted:
            return None
        return _REASON_OF.get(self.status, "scale_empty")

    @property
    def raw(self) -> str:
        """How the scan log records it: `SCALE:1234` (grams) or `SCALE:motion`."""
        if self.accepted:
            return f"SCALE:{self.grams}"
        if self.grams is None:
            return f"SCALE:{self.status}"
        return f"SCALE:{self.grams}:{self.status}"

    def message(self) -> str:
        """Why it is refused, in the current language ("" when accepted)."""
        reason = self.reason
        if reason is None:
            return ""
        return _(SCALE_REASONS[reason]).format(detail=self.detail or "-")


def silent(detail: str = "") -> Reading:
    """The reading of a scale that did not answer."""
    return Reading(None, False, ScaleStatus.SILENT, detail)


class ScaleProtocolError(PickerError):
    """A scale sent something that is not a reply of its protocol (wrong protocol set?)."""

    exit_code = 2


def not_understood(error: ScaleProtocolError) -> Reading:
    """The reading of a scale whose reply does not fit its protocol; the error says why."""
    return Reading(None, False, ScaleStatus.WRONG_PROTOCOL, error.message)


def bad_reply(name: str, frame: bytes) -> ScaleProtocolError:
    """A reply (or bytes that never made one) that `name` does not explain."""
    return ScaleProtocolError(
        _(
            "the scale sent {frame!r}, not a {protocol} reply: check protocol and baud rate",
            frame=frame[:16],
            protocol=name,
        )
    )


class ScaleProtocol:
    """Requests and reply parsing of one protocol; frames run from `start` to CR."""

    name = ""
    start = b""
    weigh: bytes = b""
    status: bytes = b""
    zero: bytes | None = None
    tare: bytes | None = None
    clear_tare: bytes | None = None

    def frames(self, buffer: bytearray) -> list[bytes]:
        """Take the complete frames out of `buffer` (start byte to CR, both dropped); bytes
        before a start byte are line noise or a late half reply and are dropped too."""
        buffer[:] = buffer.translate(_SEVEN_BITS)  # 7 data bits + parity read as 8
        found: list[bytes] = []
        while True:
            begin = buffer.find(self.start)
            if begin < 0:
                buffer.clear()
                return found
            del buffer[:begin]
            end = buffer.find(CR, 1)
            if end < 0:
                if len(buffer) > LONGEST_FRAME:  # a babbling line must not pile up: a frame
                    tail = buffer.find(self.start, len(buffer) - LONGEST_FRAME)  # began late
                    del buffer[: tail if tail >= 0 else len(buffer)]
                return found
            found.append(bytes(buffer[1:end]))
            del buffer[: end + 1]

    def parse(self, frame: bytes) -> Reading:
        """A reply (without its start byte and CR) as a `Reading`."""
        raise NotImplementedError


def _grams(number: str, unit: str = "kg", decimals: int = 3) -> int:
    """A weight as written by a scale -> whole grams (half up). No point: `decimals` implied."""
    text = number.replace(" ", "")
    value = Decimal(text) if "." in text else Decimal(int(text)).scaleb(-decimals)
    factor = {"kg": Decimal(1000), "g": Decimal(1), "lb": Decimal("453.59237")}.get(unit)
    if factor is None and unit == "oz":
        factor = Decimal("28.349523125")
    if factor is None:
        raise InvalidOperation(unit)
    return int((value * factor).to_integral_value(ROUND_HALF_UP))


class Toledo8217(ScaleProtocol):
    """Mettler Toledo 8217 (and the 8213 status byte), metric: weights in kg."""

    name = "toledo8217"
    start = STX
    weigh = b"W"
    status = b"S"
    zero = b"Z"

    def parse(self, frame: bytes) -> Reading:
        if frame.startswith(b"?"):
            return self._status(frame[1:], frame)
        text = frame.decode("ascii", "replace").strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise bad_reply(self.name, frame)
        grams = _grams(text)
        if grams < 0:
            return Reading(grams, True, ScaleStatus.UNDER_ZERO)
        return Reading(grams, True, ScaleStatus.STABLE if grams else ScaleStatus.ZERO)

    def _status(self, status: bytes, frame: bytes) -> Reading:
        if not status or len(status) > 3:
            raise bad_reply(self.name, frame)
        if len(status) == 1 and status[0] & 0x40:  # one byte (8213 layout): bit 6 always 1
            s = status[0]
            flags = {
                "motion": s & 0x01,
                "over": s & 0x02,
                "under": s & 0x04,
                "no zero": s & 0x08,  # outside the zero capture range (or a zero refused)
                "zero": s & 0x10,
                "net": s & 0x20,
            }
            errors: list[str] = []
        else:
            if any(b & 0x70 != 0x30 for b in status):
                raise bad_reply(self.name, frame)
            s1, s2, s3 = (*status, 0x30, 0x30)[:3]
            flags = {
                "motion": s1 & 0x01,
                "zero": s1 & 0x02,
                "under": s2 & 0x01,
                "over": s2 & 0x02,
                "net": 0,
                "no zero": 0,
            }
            errors = [
                name
                for bit, name in (
                    (s1 & 0x04, N_("RAM error")),
                    (s1 & 0x08, N_("EEPROM error")),
                    (s2 & 0x04, N_("ROM error")),
                    (s2 & 0x08, N_("calibration error")),
                    (s3 & 0x0F, N_("scale error")),
                )
                if bit
            ]
        net, steady = bool(flags["net"]), not flags["motion"]
        if errors:
            return Reading(None, False, ScaleStatus.ERROR, ", ".join(_(e) for e in errors), net)
        if flags["over"]:
            return Reading(None, steady, ScaleStatus.OVER_CAPACITY, net=net)
        if flags["under"]:
            return Reading(None, steady, ScaleStatus.UNDER_ZERO, net=net)
        if flags["motion"]:
            return Reading(None, False, ScaleStatus.MOTION, net=net)
        if flags["no zero"]:
            return Reading(None, False, ScaleStatus.ERROR, _("outside the zero range"), net)
        if flags["zero"]:
            return Reading(0, True, ScaleStatus.ZERO, net=net)
        return Reading(None, True, ScaleStatus.STABLE, net=net)


_SMA = re.compile(r"(?P<weight>-?[\d. ]*\d[\d. ]*|-+|\s*)\s*(?P<unit>[A-Za-z]*)[ _]*")
_SMA_ERRORS = {"E": N_("zero error"), "I": N_("initial zero error"), "T": N_("tare error")}


class Sma(ScaleProtocol):
    """SMA SCP-0499, level 1 and 2 replies."""

    name = "sma"
    start = LF
    weigh = b"\nW\r"
    status = b"\nS\r"
    zero = b"\nZ\r"
    tare = b"\nT\r"
    clear_tare = b"\nC\r"

    def parse(self, frame: bytes) -> Reading:
        text = frame.decode("ascii", "replace")
        if text in ("?", "!"):
            raise ScaleProtocolError(
                _("the scale did not understand the command: is it set to SMA?")
                if text == "?"
                else _("the scale reports a parity or framing error: check the serial settings")
            )
        if len(text) < 6:
            raise bad_reply(self.name, frame)
        s, n, m = text[0], text[2], text[3]  # status, range, gross/net, motion, reserved
        body = _SMA.fullmatch(text[5:].replace("_", " ").strip())
        if s in _SMA_ERRORS:
            return Reading(None, False, ScaleStatus.ERROR, _(_SMA_ERRORS[s]))
        if body is None or s not in "ZOU ":
            raise bad_reply(self.name, frame)
        stable, net = m != "M", n in "Nn"
        weight, unit = body["weight"].strip(), body["unit"].lower() or "kg"
        try:
            grams = _grams(weight, unit, decimals=0) if weight.strip("-") else None
        except (InvalidOperation, ValueError):
            raise bad_reply(self.name, frame) from None
        if s == "O":
            return Reading(grams, stable, ScaleStatus.OVER_CAPACITY, net=net)
        if s == "U" or (grams is not None and grams < 0):
            return Reading(grams, stable, ScaleStatus.UNDER_ZERO, net=net)
        if not stable:
            return Reading(grams, False, ScaleStatus.MOTION, net=net)
        if grams is None:
            raise bad_reply(self.name, frame)
        if s == "Z" or grams == 0:
            return Reading(grams, True, ScaleStatus.ZERO, net=net)
        return Reading(grams, True, ScaleStatus.STABLE, net=net)


PROTOCOLS: dict[str, ScaleProtocol] = {p.name: p for p in (Toledo8217(), Sma())}


def protocol_named(name: str) -> ScaleProtocol:
    """A protocol by its config name; an `InputError`-like message lists the known ones."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ScaleProtocolError(
            _(
                "unknown scale protocol {name}; use one of {known}",
                name=name,
                known=", ".join(PROTOCOLS),
            )
        ) from None


def parse_all(protocol: ScaleProtocol, data: Iterable[bytes]) -> list[Reading]:
    """Every reply in a stream of chunks, in order (a helper for stand-ins and tests)."""
    buffer = bytearray()
    readings = []
    for chunk in data:
        buffer += chunk
        readings += [protocol.parse(f) for f in protocol.frames(buffer)]
    return readings
