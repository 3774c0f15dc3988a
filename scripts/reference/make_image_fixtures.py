#!/usr/bin/python3
"""Writes the tiny image fixtures that ImageDecoderTests decodes (src/test/resources/images/).

Run with Debian's interpreter and packages (apt-get install python3-pil python3-numpy):

    /usr/bin/python3 scripts/reference/make_image_fixtures.py

Every fixture is built from a formula or a table that the Java tests repeat, so the tests can
assert exact pixel values for the lossless formats. PNG variants that PIL cannot write (16-bit
RGB, 2-bit grey) are written chunk by chunk with zlib. CI never runs this script: the files it
writes are committed, and it is here only to show how they were made. JPEG bytes depend on the
libjpeg build, so a rerun may change them slightly; the Java tests allow for JPEG's loss.
"""
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "images")

# samples that tell rounding (v·255/65535) from truncation (v >> 8); ImageDecoderTests repeats them
SAMPLES_16 = [0, 257, 32896, 65535, 1000, 65280, 128, 32767]

# displayed (upright) quadrants of the orientation fixtures: red, green / blue, white
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def path(name):
    return os.path.join(OUT, name)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(name, width, height, bit_depth, colour_type, rows):
    """rows: the filtered scanlines' raw bytes, without the filter byte (filter 0 is added)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path(name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def rgb8():
    """8×6 RGB, pixel (x, y) = (30x + 5, 40y + 7, 13xy mod 256)."""
    a = np.zeros((6, 8, 3), dtype=np.uint8)
    for y in range(6):
        for x in range(8):
            a[y, x] = (30 * x + 5, 40 * y + 7, (13 * x * y) % 256)
    Image.fromarray(a, "RGB").save(path("rgb8.png"))


def grey8():
    """8×6 8-bit grey, sample (x, y) = 32x + 5y."""
    a = np.array([[32 * x + 5 * y for x in range(8)] for y in range(6)], dtype=np.uint8)
    Image.fromarray(a, "L").save(path("grey8.png"))


def grey2():
    """4×1 2-bit grey, samples 0, 1, 2, 3 (8-bit 0, 85, 170, 255)."""
    write_png("grey2.png", 4, 1, 2, 0, [bytes([0b00011011])])


def rgb16():
    """8×3 16-bit RGB: row 0 has SAMPLES_16 in red, row 1 in green, row 2 in blue; the rest 0."""
    rows = []
    for channel in range(3):
        row = b""
        for v in SAMPLES_16:
            rgb = [0, 0, 0]
            rgb[channel] = v
            row += struct.pack(">HHH", *rgb)
        rows.append(row)
    write_png("rgb16.png", len(SAMPLES_16), 3, 16, 2, rows)


def grey16():
    """8×1 16-bit grey with SAMPLES_16 (PIL mode I;16)."""
    Image.fromarray(np.array([SAMPLES_16], dtype=np.uint16)).save(path("grey16.png"))


def palette():
    """4×1 indexed: red, green, blue and a fully transparent (tRNS) index 3 whose colour is black."""
    img = Image.new("P", (4, 1))
    img.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0])
    img.putdata([0, 1, 2, 3])
    img.save(path("palette.png"), transparency=3)


def rgba():
    """4×1 RGBA: opaque red, transparent black, half (128) black, half (128) red."""
    img = Image.new("RGBA", (4, 1))
    img.putdata([(255, 0, 0, 255), (0, 0, 0, 0), (0, 0, 0, 128), (255, 0, 0, 128)])
    img.save(path("rgba.png"))


def grey_alpha():
    """3×1 grey + alpha: opaque 100, transparent 0, half (128) 0."""
    img = Image.new("LA", (3, 1))
    img.putdata([(100, 255), (0, 0), (0, 128)])
    img.save(path("grey_alpha.png"))


def quadrants(width, height):
    a = np.zeros((height, width, 3), dtype=np.uint8)
    a[: height // 2, : width // 2] = RED
    a[: height // 2, width // 2:] = GREEN
    a[height // 2:, : width // 2] = BLUE
    a[height // 2:, width // 2:] = WHITE
    return Image.fromarray(a, "RGB")


def jpeg(img, name, **options):
    img.save(path(name), quality=95, subsampling=0, **options)


def rgb_jpeg():
    """32×24 JPEG of the quadrants, no EXIF."""
    jpeg(quadrants(32, 24), "quadrants.jpg")


def grey_jpeg():
    """16×8 single-channel JPEG, left half 64, right half 192."""
    a = np.zeros((8, 16), dtype=np.uint8)
    a[:, :8] = 64
    a[:, 8:] = 192
    jpeg(Image.fromarray(a, "L"), "grey.jpg")


def cmyk_jpeg():
    """32×24 CMYK JPEG: cyan, magenta / yellow, black (K) quadrants (PIL writes Adobe APP14)."""
    img = Image.new("CMYK", (32, 24))
    fills = [(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 255)]
    for i, fill in enumerate(fills):
        x0, y0 = (i % 2) * 16, (i // 2) * 12
        img.paste(fill, (x0, y0, x0 + 16, y0 + 12))
    jpeg(img, "cmyk.jpg")


# stored = displayed transformed by the inverse of what the EXIF orientation tells a viewer to do
STORED = {
    3: Image.Transpose.ROTATE_180,  # viewer rotates 180°
    6: Image.Transpose.ROTATE_90,  # viewer rotates 90° clockwise; PIL's ROTATE_90 is anticlockwise
    8: Image.Transpose.ROTATE_270,  # viewer rotates 90° anticlockwise
}


def oriented_jpegs():
    """Displayed 32×24 quadrants, stored rotated, with EXIF orientation 3, 6 and 8."""
    displayed = quadrants(32, 24)
    for orientation, transpose in STORED.items():
        exif = Image.Exif()
        exif[0x0112] = orientation
        jpeg(displayed.transpose(transpose), f"orientation{orientation}.jpg", exif=exif.tobytes())


def check():
    """Reads every fixture back with PIL: the intent above, verified independently."""
    def px(name):
        return Image.open(path(name))

    assert np.array(px("rgb8.png"))[5, 7].tolist() == [215, 207, (13 * 35) % 256]
    assert px("grey8.png").mode == "L"
    assert px("grey2.png").getpixel((2, 0)) in (2, 170)
    with open(path("rgb16.png"), "rb") as f:
        assert f.read(29)[24:26] == bytes([16, 2])  # bit depth 16, colour type RGB
    g16 = px("grey16.png")
    assert g16.mode in ("I;16", "I") and list(g16.getdata()) == SAMPLES_16, g16.mode
    with open(path("grey16.png"), "rb") as f:
        assert f.read(29)[24:26] == bytes([16, 0])  # bit depth 16, colour type grey
    assert px("palette.png").mode == "P" and px("palette.png").info["transparency"] == 3
    assert px("rgba.png").getpixel((2, 0)) == (0, 0, 0, 128)
    assert px("grey_alpha.png").mode == "LA"
    assert px("grey.jpg").mode == "L"
    assert px("cmyk.jpg").mode == "CMYK"
    reference = np.array(quadrants(32, 24), dtype=int)
    for orientation in STORED:
        stored = px(f"orientation{orientation}.jpg")
        assert stored.getexif()[0x0112] == orientation
        upright = np.array(ImageOps.exif_transpose(stored), dtype=int)
        assert upright.shape == reference.shape and np.abs(upright - reference).mean() < 8, orientation


def main():
    os.makedirs(OUT, exist_ok=True)
    for make in (rgb8, grey8, grey2, rgb16, grey16, palette, rgba, grey_alpha, rgb_jpeg, grey_jpeg, cmyk_jpeg,
                 oriented_jpegs):
        make()
    check()
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(path(name)):6d}  {name}")


if __name__ == "__main__":
    main()
