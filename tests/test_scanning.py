"""Scan resolution against a small hand-made catalog: every kind, layout and rejection."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picker.app.demo import gtin_check_digit
from picker.domain.gs1 import check_digit as gs1_check_digit
from picker.domain.ids import (
    bag_id,
    manifest_id,
    manifest_page_id,
    parse_bag_id,
    parse_manifest_id,
    parse_manifest_page,
)
from picker.domain.model import Barcode, Catalog, Committee, Operator, Product, Role
from picker.domain.scale_labels import DEFAULT_SCALE_LAYOUTS, SCALE_PRESETS, ScaleLayout
from picker.domain.scanning import GS, ScanIndex, resolve, split_quantity
from picker.domain.scans import COMMAND_CODES, SCAN_REASONS, Command, Scan, ScanError, ScanKind
from picker.errors import InputError
from picker.i18n import _ as translate
from picker.i18n import set_language


def c(body: str) -> str:
    """`body` completed with its GS1 check digit (the demo's implementation is the oracle)."""
    return body + gtin_check_digit(body)


def bad(code: str) -> str:
    """`code` with a wrong check digit."""
    return code[:-1] + str((int(code[-1]) + 1) % 10)


VEG = "6901234567892"  # EAN-13 of 青菜
VEG_CASE = "16901234567899"  # its case of 12
EGG = "96385074"  # EAN-8
MILK = "036000291452"  # UPC-A
APPLE = "6901234560015"  # EAN-13 on a weighed product
PORK_GTIN = "96901234560018"  # variable-measure GTIN-14 of a weighed product
TOFU = "6901234560022"  # unit product that also has a PLU
IN_STORE = c("219999800000")  # a 2x code the catalog holds as a unit barcode
NOT_IN_CATALOG = "4006381333931"


def product(sku: str, name: str, *codes: Barcode, **kw: object) -> Product:
    return Product(sku, name, "份", 1000, "A-01-01-1", barcodes=codes, **kw)  # type: ignore[arg-type]


PRODUCTS = (
    product("VEG", "青菜", Barcode(VEG, "VEG"), Barcode(VEG_CASE, "VEG", 12)),
    product("EGG", "鸡蛋", Barcode(EGG, "EGG")),
    product("MILK", "牛奶", Barcode(MILK, "MILK")),
    product("APPLE", "苹果", Barcode(APPLE, "APPLE"), weighed=True, unit_grams=500, plu="10023"),
    product("PORK", "猪肉", Barcode(PORK_GTIN, "PORK"), weighed=True, unit_grams=500, plu="345"),
    product("TOFU", "豆腐", Barcode(TOFU, "TOFU"), plu="20001"),
    product("BREAD", "面包", Barcode(IN_STORE, "BREAD")),
    product("BOX", "礼盒", Barcode("PK-0007", "BOX")),
)
CATALOG = Catalog(
    committees={
        "XY01": Committee("XY01", "青平居委", "XY", "王建国", "13800001111", "青平路 88 号")
    },
    products={p.sku: p for p in PRODUCTS},
)
OPERATORS = (
    Operator("P001", "张三", Role.PICKER, "OP-P001", "-"),
    Operator("L001", "李四", Role.LEAD, "OP-L001", "-"),
)
INDEX = ScanIndex.build(CATALOG, OPERATORS)
DAY = date(2022, 4, 12)
BAG = bag_id("20220412000001", 2)
MANIFEST = manifest_id("XY01", DAY, 1)


def gs1(*parts: str) -> str:
    return "".join(parts)


def scan(raw: str, index: ScanIndex = INDEX) -> Scan:
    return resolve(raw, index)


def test_the_catalog_codes_are_valid() -> None:
    for code in (VEG, VEG_CASE, EGG, MILK, APPLE, PORK_GTIN, TOFU, NOT_IN_CATALOG):
        assert c(code[:-1]) == code


@pytest.mark.parametrize(
    ("raw", "sku", "source", "qty", "multiplier"),
    [
        (VEG, "VEG", "unit", 1, 1),
        (EGG, "EGG", "unit", 1, 1),
        (MILK, "MILK", "unit", 1, 1),
        ("0" + MILK, "MILK", "unit", 1, 1),  # UPC-A sent as EAN-13
        ("000000" + EGG, "EGG", "unit", 1, 1),  # EAN-8 as GTIN-14
        (IN_STORE, "BREAD", "unit", 1, 1),  # in the catalog beats the scale layout
        ("PK-0007", "BOX", "unit", 1, 1),
        ("pk-0007", "BOX", "unit", 1, 1),
        (VEG_CASE, "VEG", "case", 12, 1),
        ("3*" + VEG, "VEG", "unit", 3, 3),
        ("3*" + VEG_CASE, "VEG", "case", 36, 3),
        ("999*" + VEG, "VEG", "unit", 999, 999),
        ("12 * " + VEG, "VEG", "unit", 12, 12),
        ("１２＊" + VEG, "VEG", "unit", 12, 12),  # full-width from an IME
        ("  " + VEG + "\r\n", "VEG", "unit", 1, 1),
        ("]E0" + VEG, "VEG", "unit", 1, 1),  # AIM symbology identifier
        # GS1 without a weight is a product line; (37) counts cases.
        (gs1("(01)0", VEG), "VEG", "gs1", 1, 1),
        (gs1("01", VEG_CASE), "VEG", "gs1", 12, 1),
        (gs1("(01)", VEG_CASE, "(37)5"), "VEG", "gs1", 60, 1),
        (gs1("]C1", "01", VEG_CASE, "37", "5", GS, "10", "LOT7"), "VEG", "gs1", 60, 1),
        (gs1("2*01", VEG_CASE, "375"), "VEG", "gs1", 120, 2),
        (gs1("(01)0", VEG, "(17)220430(10)A-1*2"), "VEG", "gs1", 1, 1),  # `*` in a lot number
    ],
)
def test_products(raw: str, sku: str, source: str, qty: int, multiplier: int) -> None:
    assert scan(raw) == Scan(
        raw.strip(), ScanKind.PRODUCT, source, sku=sku, qty=qty, multiplier=multiplier
    )


@pytest.mark.parametrize(
    ("raw", "sku", "grams", "amount"),
    [
        (c("211002301250"), "APPLE", 1250, None),  # ean13-weight
        (c("210034500500"), "PORK", 500, None),  # leading zeros in the PLU
        (c("211002399999"), "APPLE", 99999, None),
        (c("221002303880"), "APPLE", None, 3880),  # ean13-amount
        (c("220034500001"), "PORK", None, 1),
        (c("231002300875"), "APPLE", 875, None),  # ean13-item7-weight
        (c("26100230388001250"), "APPLE", 1250, 3880),  # code128-26
    ],
)
def test_scale_labels(raw: str, sku: str, grams: int | None, amount: int | None) -> None:
    assert scan(raw) == Scan(
        raw, ScanKind.WEIGHED, "scale", sku=sku, grams=grams, amount_fen=amount
    )


def test_the_presets() -> None:
    assert set(SCALE_PRESETS) >= {
        "ean13-weight",
        "ean13-amount",
        "ean13-item7-weight",
        "code128-26",
    }
    assert [layout.prefixes for layout in DEFAULT_SCALE_LAYOUTS] == [
        ("21",),
        ("22",),
        ("23",),
        ("26",),
    ]
    assert SCALE_PRESETS["code128-26"].length == 18


def test_a_site_layout_with_six_digit_items() -> None:
    """`2` + 6-digit item: the PLU field holds a leading zero, which does not matter."""
    layout = ScaleLayout("site", ("20",), 13, plu=(1, 6), weight=(7, 5))
    index = ScanIndex.build(CATALOG, OPERATORS, (layout,))
    assert scan(c("201002300420"), index).grams == 420
    with pytest.raises(ScanError) as caught:
        scan(c("211002301250"), index)  # 21 is not this site's layout
    assert caught.value.reason == "unknown_scale_layout"


@pytest.mark.parametrize(
    ("weight_ai", "value", "grams"),
    [
        ("3100", "000002", 2000),
        ("3101", "000125", 12500),
        ("3102", "001250", 12500),
        ("3103", "001250", 1250),
        ("3104", "001254", 125),  # 125.4 g
        ("3105", "001255", 13),  # 12.55 g, half up
    ],
)
@pytest.mark.parametrize(
    "spelling",
    [
        "{gs}01{gtin}{ai}{value}{gs}10LOT7",
        "]C101{gtin}10LOT7{gs}{ai}{value}",
        "(01){gtin}({ai}){value}(10)LOT7",
        "(01){gtin} ({ai}){value}",
        "01{gtin}{ai}{value}",
    ],
    ids=["gs", "c1", "parentheses", "spaced", "bare"],
)
def test_gs1_weights(spelling: str, weight_ai: str, value: str, grams: int) -> None:
    raw = spelling.format(gs=GS, gtin=PORK_GTIN, ai=weight_ai, value=value)
    assert scan(raw) == Scan(raw.strip(), ScanKind.WEIGHED, "gs1", sku="PORK", grams=grams)


def test_a_leading_fnc1_and_the_ean13_form_of_a_weighed_gtin() -> None:
    raw = gs1("]C1", GS, "010", APPLE, "3103001250")
    assert scan(raw).sku == "APPLE"
    assert scan(gs1("(01)0", APPLE, "(3103)000750")).grams == 750


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("OP-P001", Scan("OP-P001", ScanKind.BADGE, "badge", operator="P001")),
        ("op-l001\n", Scan("op-l001", ScanKind.BADGE, "badge", operator="L001")),
        *[
            (code, Scan(code, ScanKind.COMMAND, "command", command=command))
            for code, command in COMMAND_CODES.items()
        ],
        ("cmd-signout", Scan("cmd-signout", ScanKind.COMMAND, "command", command=Command.SIGN_OUT)),
        (BAG, Scan(BAG, ScanKind.BAG, "bag", ref="BG20220412000001-2")),
        ("bg20220412000001-2", Scan("bg20220412000001-2", ScanKind.BAG, "bag", ref=BAG)),
        (MANIFEST, Scan(MANIFEST, ScanKind.MANIFEST, "manifest", ref="MF-XY01-20220412-1")),
        (
            "mf-xy01-20220412-1",
            Scan("mf-xy01-20220412-1", ScanKind.MANIFEST, "manifest", ref=MANIFEST),
        ),
    ],
)
def test_badges_commands_bags_and_manifests(raw: str, expected: Scan) -> None:
    assert scan(raw) == expected


def test_the_command_sheet() -> None:
    assert set(COMMAND_CODES.values()) == set(Command)
    assert all(code.isascii() and code.startswith("CMD-") for code in COMMAND_CODES)


def test_a_badge_comes_before_a_product() -> None:
    operators = (Operator("X001", "王五", Role.PICKER, VEG, "-"),)
    assert scan(VEG, ScanIndex.build(CATALOG, operators)).kind is ScanKind.BADGE


@pytest.mark.parametrize(
    ("order_no", "k"), [("20220412000001", 1), ("20220412000001", 12), ("2022-0412_A7", 3)]
)
def test_bag_ids_round_trip(order_no: str, k: int) -> None:
    ref = bag_id(order_no, k)
    assert ref.isascii()
    assert parse_bag_id(ref) == (order_no, k)
    assert scan(ref).ref == ref


@pytest.mark.parametrize(
    ("committee", "day", "seq"), [("XY01", DAY, 1), ("XY01", date(2022, 12, 31), 27)]
)
def test_manifest_ids_round_trip(committee: str, day: date, seq: int) -> None:
    ref = manifest_id(committee, day, seq)
    assert ref.isascii()
    assert parse_manifest_id(ref) == (committee, day, seq)
    assert scan(ref).ref == ref


@pytest.mark.parametrize(
    ("committee", "page", "pages"), [("XY01", 1, 1), ("XY01", 2, 15), ("A-P2", 999, 999)]
)
def test_manifest_page_codes_name_the_manifest_and_the_page(
    committee: str, page: int, pages: int
) -> None:
    whole = manifest_id(committee, DAY, 3)
    code = manifest_page_id(whole, page, pages)
    assert code == f"{whole}-P{page}-{pages}" and code.isascii()
    assert parse_manifest_id(code) == (committee, DAY, 3)
    assert parse_manifest_page(code) == (page, pages)
    # Scanned at the dock, a page is its manifest.
    if committee == "XY01":
        assert scan(code).ref == whole


def test_a_whole_manifest_id_still_reads_as_the_whole_manifest() -> None:
    assert parse_manifest_id(MANIFEST) == ("XY01", DAY, 1)
    assert parse_manifest_page(MANIFEST) is None
    # A committee code that looks like a page suffix stays part of the committee.
    assert parse_manifest_id("MF-A-P2-20220412-1") == ("A-P2", DAY, 1)
    assert parse_manifest_page("MF-A-P2-20220412-1") is None


@pytest.mark.parametrize(
    "code",
    [
        "MF-XY01-20220412-1-P0-3",
        "MF-XY01-20220412-1-P4-3",
        "MF-XY01-20220412-1-P02-3",
        "MF-XY01-20220412-1-P2-1000",
        "MF-XY01-20220412-1-2-3",
        "MF-XY01-20221332-1-P1-3",
        "MF-XY01-P1-3",
    ],
)
def test_not_quite_page_codes(code: str) -> None:
    assert parse_manifest_page(code) is None
    assert parse_manifest_id(code) is None


@pytest.mark.parametrize(
    ("manifest", "page", "pages"),
    [(MANIFEST, 0, 3), (MANIFEST, 4, 3), (MANIFEST, 1, 1000), ("XY01", 1, 2)],
)
def test_no_page_code_that_would_not_read_back(manifest: str, page: int, pages: int) -> None:
    with pytest.raises(ValueError):
        manifest_page_id(manifest, page, pages)
    with pytest.raises(ValueError):
        manifest_page_id(manifest_page_id(MANIFEST, 1, 2), 1, 2)


@pytest.mark.parametrize(
    "code", ["BG", "BG-1", "BG123", "BG123-0", "BG123-x", "MF-XY01-20221332-1", "MF-XY01-2022-1"]
)
def test_not_quite_ids(code: str) -> None:
    assert parse_bag_id(code) is None
    assert parse_manifest_id(code) is None
    with pytest.raises(ScanError) as caught:
        scan(code)
    assert caught.value.reason == "unknown_code"


@pytest.mark.parametrize("args", [("", 1), ("1 2", 1), ("123", 0)])
def test_bag_id_refuses_what_it_could_not_print(args: tuple[str, int]) -> None:
    with pytest.raises(ValueError):
        bag_id(*args)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VEG, (1, VEG)),
        ("12*" + VEG, (12, VEG)),
        ("007*x", (7, "x")),
        ("(01)0" + VEG + "(21)AB*CD", (1, "(01)0" + VEG + "(21)AB*CD")),
    ],
)
def test_split_quantity(raw: str, expected: tuple[int, str]) -> None:
    assert split_quantity(raw) == expected


REJECTS = [
    # (raw, reason, params that must be there)
    ("", "empty", {}),
    (" \r\n", "empty", {}),
    ("3*", "empty", {}),
    ("]C1", "empty", {}),
    ("HELLO", "unknown_code", {"code": "HELLO"}),
    (NOT_IN_CATALOG, "unknown_code", {"code": NOT_IN_CATALOG}),
    ("12345", "unknown_code", {}),
    ("CMD-DANCE", "unknown_code", {}),
    (bad(EGG), "bad_check_digit", {"kind": "ean8"}),
    (bad(MILK), "bad_check_digit", {"kind": "upca"}),
    (bad(VEG), "bad_check_digit", {"kind": "ean13"}),
    (bad(NOT_IN_CATALOG), "bad_check_digit", {"kind": "ean13"}),
    (bad(VEG_CASE), "bad_check_digit", {"kind": "gtin14"}),
    ("3*" + bad(VEG_CASE), "bad_check_digit", {"kind": "gtin14"}),
    (bad(c("211002301250")), "bad_check_digit", {"kind": "scale"}),
    (bad(c("221002303880")), "bad_check_digit", {"kind": "scale"}),
    (bad(c("231002301250")), "bad_check_digit", {"kind": "scale"}),
    (bad(c("26100230388001250")), "bad_check_digit", {"kind": "scale"}),
    (gs1("(01)", bad(PORK_GTIN), "(3103)001250"), "bad_check_digit", {"kind": "gs1"}),
    (gs1("]C101", bad(VEG_CASE)), "bad_check_digit", {"kind": "gs1"}),
    ("0*" + VEG, "bad_qty", {"value": "0"}),
    ("*" + VEG, "bad_qty", {"value": ""}),
    ("abc*" + VEG, "bad_qty", {"value": "abc"}),
    ("-1*" + VEG, "bad_qty", {}),
    ("1000*" + VEG, "bad_qty", {"max": "999"}),
    ("9999*x", "bad_qty", {}),
    ("2*OP-P001", "qty_not_allowed", {"kind": "badge", "qty": "2"}),
    ("2*CMD-UNDO", "qty_not_allowed", {"kind": "command"}),
    ("2*" + c("211002301250"), "qty_not_allowed", {"kind": "weighed"}),
    ("2*(01)" + PORK_GTIN + "(3103)001250", "qty_not_allowed", {"kind": "weighed"}),
    ("2*" + BAG, "qty_not_allowed", {"kind": "bag"}),
    ("2*" + MANIFEST, "qty_not_allowed", {"kind": "manifest"}),
    (APPLE, "weighed_needs_label", {"product": "苹果"}),
    ("3*" + APPLE, "weighed_needs_label", {}),
    (PORK_GTIN, "weighed_needs_label", {"product": "猪肉"}),
    ("(01)" + PORK_GTIN, "weighed_needs_label", {}),
    (c("212000101250"), "label_for_unit_product", {"product": "豆腐"}),
    ("(01)0" + VEG + "(3103)001250", "label_for_unit_product", {"product": "青菜"}),
    (c("219999901250"), "unknown_plu", {"plu": "99999"}),
    (c("26999990388001250"), "unknown_plu", {}),
    (c("241002301250"), "unknown_scale_layout", {"prefix": "24"}),
    (c("211002300000"), "zero_weight", {}),
    (c("221002300000"), "zero_weight", {}),
    (c("26100230388000000"), "zero_weight", {}),
    ("(01)" + PORK_GTIN + "(3103)000000", "zero_weight", {}),
    ("(01)" + PORK_GTIN + "(3105)000049", "zero_weight", {}),  # 0.49 g rounds to 0
    ("(01)0" + NOT_IN_CATALOG, "gs1_unknown_gtin", {"gtin": "0" + NOT_IN_CATALOG}),
    ("01" + c("1400638133393") + "3712", "gs1_unknown_gtin", {}),
    ("(10)LOT7(3103)001250", "gs1_no_gtin", {}),
    ("]C1" + "10LOT7", "gs1_no_gtin", {}),
    ("(02)" + VEG_CASE + "(37)4", "gs1_no_gtin", {}),
    ("(99)ABC", "gs1_unknown_ai", {"ai": "99"}),
    ("(310)001250", "gs1_unknown_ai", {"ai": "310"}),
    ("]C101" + VEG_CASE + "993", "gs1_unknown_ai", {"ai": "993"}),
    ("0106901234567892" + "31030012503", "gs1_unknown_ai", {"ai": "3"}),
    ("(01)0690123456789", "gs1_bad_value", {"ai": "01"}),  # 13 digits
    ("(01)0690123456789X", "gs1_bad_value", {"ai": "01"}),
    ("01" + VEG_CASE + "3103" + "00125", "gs1_bad_value", {"ai": "3103", "value": "00125"}),
    ("01" + VEG_CASE + GS + "3103" + "00125" + GS, "gs1_bad_value", {"ai": "3103"}),
    ("(01)" + PORK_GTIN + "(3106)001250", "gs1_bad_value", {"ai": "3106"}),
    ("(01)" + VEG_CASE + "(17)221301", "gs1_bad_value", {"ai": "17"}),
    ("(01)" + VEG_CASE + "(17)220132", "gs1_bad_value", {"ai": "17"}),
    ("(01)" + VEG_CASE + "(37)0", "gs1_bad_value", {"ai": "37"}),
    ("(01)" + VEG_CASE + "(37)", "gs1_bad_value", {"ai": "37"}),
    ("(01)" + VEG_CASE + "(10)" + "L" * 21, "gs1_bad_value", {"ai": "10"}),
    ("(01)" + VEG_CASE + "(01)" + VEG_CASE, "gs1_malformed", {}),
    ("(01)" + PORK_GTIN + "(3102)012500(3103)001250", "gs1_malformed", {}),
    ("(01" + VEG_CASE, "gs1_malformed", {}),
    ("MF-ZZ99-20220412-1", "unknown_manifest_committee", {"committee": "ZZ99"}),
    ("CR-ZZ99-0007", "unknown_crate_committee", {"committee": "ZZ99"}),
    ("2*CR-XY01-0007", "qty_not_allowed", {"kind": "crate"}),
]


@pytest.mark.parametrize(("raw", "reason", "params"), REJECTS)
def test_rejections(raw: str, reason: str, params: dict[str, str]) -> None:
    with pytest.raises(ScanError) as caught:
        scan(raw)
    error = caught.value
    assert error.reason == reason
    assert dict(error.params).items() >= params.items()
    assert error.message and "{" not in error.message


def test_every_reason_is_rejected_somewhere() -> None:
    assert {reason for _raw, reason, _params in REJECTS} == set(SCAN_REASONS)


def test_rejections_read_in_chinese() -> None:
    set_language("zh_CN")
    with pytest.raises(ScanError) as caught:
        scan(APPLE)
    assert caught.value.message == "苹果按重量销售：请扫秤签，不要扫商品条码"
    with pytest.raises(ScanError) as caught:
        scan("2*OP-P001")
    assert caught.value.message == "输入的数量（2×）只能用于商品条码，不能用于工牌"
    assert all(translate(template) != template for template in SCAN_REASONS.values())


def test_control_characters_are_shown_not_sent() -> None:
    with pytest.raises(ScanError) as caught:
        scan("]C1" + "10LOT7" + GS + "21" + "X" * 60)
    code = dict(caught.value.params)["code"]
    assert GS not in code and "<GS>" in code
    assert len(code) <= 48


@pytest.mark.parametrize(
    "body", ["0", "9638507", "03600029145", "690123456789", "1690123456789", "2610023038800125"]
)
def test_gs1_check_digit_agrees_with_the_demo(body: str) -> None:
    assert gs1_check_digit(body) == gtin_check_digit(body)


def test_gs1_check_digit_wants_digits() -> None:
    with pytest.raises(ValueError):
        gs1_check_digit("12a4")


@given(st.text("0123456789", min_size=1, max_size=17))
def test_gs1_check_digit_completes_the_weighted_sum(body: str) -> None:
    """Weights 3, 1, 3 … from the right, the check digit weighing 1: the sum is a multiple of
    10 (the one rule behind EAN-8/13, UPC-A, GTIN-14 and SSCC, and the demo's codes)."""
    code = body + gs1_check_digit(body)
    weights = [3 if i % 2 else 1 for i in range(len(code))]
    assert sum(int(d) * w for d, w in zip(reversed(code), weights, strict=True)) % 10 == 0


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"products": {**CATALOG.products, "X": product("X", "重码", Barcode("0" + VEG, "X"))}},
            VEG,
        ),
        (
            {"products": {**CATALOG.products, "X": product("X", "坏码", Barcode(bad(VEG), "X"))}},
            "check",
        ),
        (
            {
                "products": {
                    **CATALOG.products,
                    "X": product("X", "零箱", Barcode("PK-0008", "X", 0)),
                }
            },
            "pack",
        ),
        ({"products": {**CATALOG.products, "X": product("X", "重号", plu="010023")}}, "PLU 010023"),
    ],
)
def test_an_ambiguous_catalog_is_refused(change: dict[str, object], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        ScanIndex.build(replace(CATALOG, **change), OPERATORS)  # type: ignore[arg-type]


def test_ambiguous_badges_and_layouts_are_refused() -> None:
    twin = Operator("P002", "赵六", Role.PICKER, "op-p001", "-")
    with pytest.raises(InputError, match="badge"):
        ScanIndex.build(CATALOG, (*OPERATORS, twin))
    with pytest.raises(InputError, match="badge"):
        ScanIndex.build(CATALOG, (Operator("P003", "钱七", Role.PICKER, "CMD-UNDO", "-"),))
    overlapping = ScaleLayout("site", ("2",), 13, plu=(2, 5), weight=(7, 5))  # 21, 22, 23
    with pytest.raises(InputError, match="prefix"):
        ScanIndex.build(CATALOG, OPERATORS, (*DEFAULT_SCALE_LAYOUTS, overlapping))
    # The same prefix on another length is another barcode.
    other_length = ScaleLayout("site", ("21",), 18, plu=(2, 5), weight=(7, 5))
    assert ScanIndex.build(CATALOG, OPERATORS, (*DEFAULT_SCALE_LAYOUTS, other_length))


@pytest.mark.parametrize(
    "kw",
    [
        {"prefixes": ()},
        {"prefixes": ("2x",)},
        {"weight": None},
        {"weight": (7, 6)},  # runs into the check digit
        {"weight": (5, 5)},  # overlaps the PLU
    ],
)
def test_a_broken_layout_is_refused(kw: dict[str, object]) -> None:
    fields: dict[str, object] = {"prefixes": ("21",), "plu": (2, 5), "weight": (7, 5), **kw}
    with pytest.raises(ValueError):
        ScaleLayout("broken", length=13, **fields)  # type: ignore[arg-type]
