"""The one address parser and link layer that printers, scales and scanners share."""

from __future__ import annotations

import pytest

from picker.adapters.devices import DeviceAddress
from picker.adapters.devices import parse_address as device_address
from printers.link import Address, parse_address
from printers.transport import Connection, parse_connection

KINDS = ("serial", "tcp", "network", "usb", "file")


@pytest.mark.parametrize(
    "text",
    [
        "serial:/dev/ttyUSB0:9600:8N1",
        "serial:/dev/ttyS0:4800:7E1",
        "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:19200:8O2",
        "tcp:127.0.0.1:4001",
        "tcp:[::1]:4001",
        "network:10.0.0.5:9100",
        "network:[fe80::1]:9101",
        "usb:0416:5011",
        "file:/dev/usb/lp0",
    ],
)
def test_an_address_reads_back_as_it_is_shown(text: str) -> None:
    address = parse_address(text, KINDS)
    assert str(address) == text
    assert parse_address(str(address), KINDS) == address


def test_printers_and_devices_share_one_address_type_and_one_serial_syntax() -> None:
    assert Connection is Address and DeviceAddress is Address
    printer, scale = (
        parse_connection("serial:/dev/ttyS0:4800:E"),
        device_address("serial:/dev/ttyS0:4800:E"),
    )
    assert printer == scale == Address("serial", "/dev/ttyS0", baud=4800, bytesize=7, parity="E")


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("tcp:h:4001", ("network",)),  # a kind its user does not take
        ("network:h", ("tcp",)),
        ("tcp:h", ("tcp",)),  # a serial server has no default port
        ("network:h:", ("network",)),
        ("network:h:0", ("network",)),
        ("network:[::1]:x", ("network",)),
        ("usb:xyz:1", ("usb",)),
        ("usb:0416", ("usb",)),
        ("serial::9600", ("serial",)),
        ("serial:/dev/ttyS0:0", ("serial",)),
        ("file:", ("file",)),
        ("", KINDS),
    ],
)
def test_malformed_addresses_are_value_errors(text: str, kinds: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        parse_address(text, kinds)


def test_a_network_printer_takes_the_raw_printing_port_by_default() -> None:
    assert parse_address("network:printer.local", ("network",)).port == 9100
    assert parse_address("network:::1", ("network",)) == Address("network", "::1", port=9100)
    assert parse_address("network:[::1]", ("network",)) == Address("network", "::1", port=9100)
