"""Proof of delivery: the manifest QR read from bad photos, manifests marked delivered, and the
decode rate on the shared barcode corpus next to plain pyzbar's."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from pyzbar import pyzbar

from picker.adapters.pod import MANIFEST_SYMBOLS, decode_manifest_qr, decode_symbols
from picker.app.warehouse import Warehouse
from picker.cli import main
from printers.document import PAPER_58, Align, Document, Feed, QRCode, Rule, Text
from printers.png import render_image
from tests.test_dispatch import dispatch_day, route_ids

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "barcodes"
MID = "MF-XY01-20220412-1"


def manifest_page(mid: str) -> Image.Image:
    """A manifest as the thermal printer prints it (P1's PNG renderer): rows, signature, QR."""
    rows = [Text(f"12-{n}-301 张*明 138****5678 2袋") for n in range(1, 13)]
    blocks = (
        Text("青平居委 交接清单", Align.CENTER, bold=True),
        *rows,
        Rule(),
        Text("接收人签字 ________ 日期 ______"),
        Feed(1),
        QRCode(mid, size=5),
        Text(mid, Align.CENTER),
    )
    return render_image(Document("manifest", mid, blocks), PAPER_58)


def photograph(
    page: Image.Image, angle: float, blur: float, noise: float, scale: float, seed: int = 0
) -> Image.Image:
    """The page on a grey table, turned, out of focus, grainy and resized, like a phone shot."""
    rng = random.Random(seed)
    table = Image.new("L", (page.width + 200, page.height + 200), 90)
    table.paste(page.convert("L"), (100, 100))
    shot = table.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=90)
    shot = shot.filter(ImageFilter.GaussianBlur(blur))
    size = (round(shot.width * scale), round(shot.height * scale))
    shot = shot.resize(size, Image.Resampling.LANCZOS)
    grain = Image.frombytes("L", shot.size, rng.randbytes(shot.width * shot.height))
    return Image.blend(shot, grain, noise)


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


PHOTOS = {
    "turned 90, small": (90, 0.8, 0.15, 0.7),
    "tilted 7, blurred, grainy": (7, 1.2, 0.2, 0.6),
    "tilted -12, downscaled": (-12, 1.5, 0.25, 0.5),
    "upside down, large": (183, 1.0, 0.2, 1.6),
    "tilted 7, out of focus": (7, 2.0, 0.3, 0.8),
    "tilted 15, grainy, small": (15, 1.5, 0.3, 0.55),
}


@pytest.mark.parametrize("name", PHOTOS)
def test_a_bad_photo_of_a_manifest_still_reads(name: str) -> None:
    photo = photograph(manifest_page(MID), *PHOTOS[name], seed=len(name))
    assert decode_manifest_qr(photo) == [MID]


def test_the_photos_need_more_than_plain_pyzbar() -> None:
    """Guards the test above: most of these photos defeat a single zbar pass."""
    page = manifest_page(MID)
    plain = [
        bool(pyzbar.decode(photograph(page, *args, seed=len(name))))
        for name, args in PHOTOS.items()
    ]
    assert sum(plain) <= 2, plain


def test_a_white_on_black_code_and_a_jpeg_from_disk(tmp_path: Path) -> None:
    inverted = ImageOps.invert(photograph(manifest_page(MID), 5, 0.8, 0.1, 0.8))
    assert not pyzbar.decode(inverted)
    assert decode_manifest_qr(inverted) == [MID]
    path = tmp_path / "IMG_0412.jpg"
    photograph(manifest_page(MID), -4, 1.0, 0.15, 0.9).convert("RGB").save(path, quality=60)
    assert decode_manifest_qr(path) == [MID]


def test_a_photo_without_a_code_gives_nothing() -> None:
    page = Image.new("L", (400, 300), 235)
    ImageDraw.Draw(page).text((20, 20), "signed by 王建国", fill=0)
    decoding = decode_symbols(photograph(page, 5, 1.0, 0.2, 1.0), symbols=MANIFEST_SYMBOLS)
    assert decoding.symbols == () and not decoding.accepted and decoding.attempts > 40


def save_photo(path: Path, mid: str, angle: float = 7) -> Path:
    photograph(manifest_page(mid), angle, 1.2, 0.2, 0.7).convert("RGB").save(path, quality=70)
    return path


def test_proof_of_delivery_marks_the_manifest_and_finishes_the_route(
    day: Warehouse, tmp_path: Path
) -> None:
    first, _second = route_ids(day)
    mid = day.issue_manifest("XY01")
    session = day.load_session(first, "D01")
    for bag in day.manifest(mid).bags:
        assert session.scan(bag).accepted
    day.depart(first, "L01", override_reason="A003 goes on the next run")
    photo = save_photo(tmp_path / "signed.jpg", mid)
    (result,) = day.proof_of_delivery([photo])
    assert result.ok and not result.created and not result.already, result.message
    assert (result.manifest, result.committee) == (mid, "XY01")
    manifest = day.manifest(mid)
    assert manifest.pod_path == str(photo.resolve()) and manifest.delivered_at
    assert day.route(first).status == "done"
    # The same manifest photographed again changes nothing.
    (again,) = day.proof_of_delivery([save_photo(tmp_path / "again.jpg", mid, angle=-5)])
    assert again.ok and again.already and again.delivered_at == manifest.delivered_at
    assert day.manifest(mid).pod_path == str(photo.resolve())


def test_a_manifest_never_issued_is_made_from_the_loaded_bags(
    day: Warehouse, tmp_path: Path
) -> None:
    _first, second = route_ids(day)
    today = day.routes()[0].day
    assert day.load_session(second, "D01").scan("BGB001-1").accepted
    mid = f"MF-YP01-{today:%Y%m%d}-1"
    (result,) = day.proof_of_delivery([save_photo(tmp_path / "yp.png", mid)])
    assert result.ok and result.created, result.message
    assert day.manifest(mid).bags == ("BGB001-1",) and day.manifest(mid).route == second
    # Nothing of 青平 was loaded that day: an unknown manifest proves nothing.
    (unknown,) = day.proof_of_delivery([save_photo(tmp_path / "xy.png", "MF-XY01-19990101-1")])
    assert not unknown.ok and unknown.reason == "unknown_manifest"


def test_pod_says_which_file_had_no_code(day: Warehouse, tmp_path: Path) -> None:
    mid = day.issue_manifest("XY01")
    good = save_photo(tmp_path / "good.jpg", mid)
    blank = tmp_path / "blank.png"
    Image.new("L", (300, 200), 240).save(blank)
    other = tmp_path / "payment.png"
    page = manifest_page("https://pay.example.com/qr/QR01")
    page.save(other)
    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "--lang",
            "en",
            "pod",
            str(good),
            str(blank),
            str(other),
            str(broken),
            "--db",
            str(day.path),
        ],
    )
    assert result.exit_code == 3
    assert f"manifest {mid}" in result.stdout and "blank.png" not in result.stdout
    assert "blank.png: no readable code" in result.stderr
    assert "payment.png: the code on the photo (https://pay.example.com/qr/QR01)" in result.stderr
    assert "broken.jpg: cannot open the photo" in result.stderr
    result = runner.invoke(
        main, ["--lang", "en", "pod", "--json", str(good), str(blank), "--db", str(day.path)]
    )
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert [(r["outcome"], r["reason"], r["already_delivered"]) for r in report] == [
        ("delivered", "", True),
        ("rejected", "no_code", False),
    ]


def corpus() -> list[tuple[Path, bytes, str]]:
    """(image, expected bytes, match) of the shared corpus (`README.md` there)."""
    with (CORPUS / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return [
            (CORPUS / r["file"], (CORPUS / r["expected_file"]).read_bytes(), r["match"])
            for r in csv.DictReader(f)
        ]


def found(decoded: list[bytes], expected: bytes, match: str) -> bool:
    if match == "none":
        return not decoded
    if match == "all-lines":
        return all(line in decoded for line in expected.splitlines() if line)
    return expected in decoded


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared barcode corpus is not here")
@pytest.mark.filterwarnings("ignore:Palette images with Transparency")  # plain pyzbar's convert
def test_our_decode_rate_on_the_shared_corpus_beats_plain_pyzbar() -> None:
    ours, plain, lost = 0, 0, []
    images = corpus()
    for image, expected, match in images:
        with Image.open(image) as im:
            by_plain = found([d.data for d in pyzbar.decode(im)], expected, match)
        by_ours = found([s.data for s in decode_symbols(image).symbols], expected, match)
        plain += by_plain
        ours += by_ours
        if by_plain and not by_ours:
            lost.append(image.name)
    print(f"decode rate: ours {ours}/{len(images)}, plain pyzbar {plain}/{len(images)}")
    assert not lost, f"plain pyzbar reads these, we do not: {lost}"
    assert ours >= plain + 3
