"""The drawn grid of a scanned page: straighten the page, find its ruling lines, erase them.

A scanned task table reaches Tesseract as text in boxes: the rules are read as "|" or
"I", the cells of one row come out in any order, and nothing says where one row ends.
The rules themselves say it, so they are found in the image (Pillow only):

0. **Stamps.** A red stamp is dropped (the red channel of a colour page, where red ink is
   light; on a greyscale scan it is mid-grey, and everything lighter than text is made white).
1. **Skew.** The page is straightened by the angle that makes its row profile sharpest
   (ink per pixel row on a quarter-size copy, angles -4..4 degrees, then to 0.1 degree).
2. **Rules.** Ink is averaged over short windows along one axis (Image.reduce): a rule is
   a run of windows that are nearly all ink over at least a few centimetres, which text
   never is. Horizontal and vertical rules are kept only where they meet each other
   (a grid), so an underline or a signature line is not a table.
3. **Erase.** The rules are painted white on the copy given to Tesseract, which then reads
   the cells as text, and the rules go to the re-flow (tracker.services.pdf_text) as the
   drawn lines of a text PDF do: columns from the vertical rules, rows from the horizontal
   ones.

Coordinates are pixels of the straightened page, y down. Runs in the OCR child process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

FADE = 135           # lighter than this is paper, a stamp or a speck's halo: white for Tesseract
INK = 150            # grey level below which a pixel is ink
WINDOW = 20          # pixels averaged along a rule (1/15 inch at 300 dpi)
MIN_RULE = 8         # windows: a rule is at least 160 px long (13.5 mm at 300 dpi)
FULL = 190           # average ink (0-255) of a window lying on a rule
MEET = 2 * WINDOW    # how near a rule's end must come to the other kind to meet it


@dataclass
class Grid:
    angle: float                                   # degrees the page was turned to straighten it
    hrules: list[tuple[float, float, float]]       # (y, x0, x1) pixels
    vrules: list[tuple[float, float, float]]       # (x, y0, y1) pixels


def ink_mask(gray):
    """255 where there is ink, 0 elsewhere."""
    return gray.point(lambda v: 255 if v < INK else 0)


def skew_angle(mask) -> float:
    """The rotation (degrees, Pillow's sense) that makes the text rows horizontal."""
    small = mask.reduce(4)

    def sharpness(angle: float) -> float:
        rotated = small.rotate(angle, resample=0, fillcolor=0)
        profile = rotated.resize((1, rotated.height), resample=2).tobytes()   # BOX mean per row
        return sum((a - b) ** 2 for a, b in pairwise(profile))

    best = max((a / 2 for a in range(-8, 9)), key=sharpness)
    return max((best + a / 10 for a in range(-5, 6)), key=sharpness)


def _runs(row: bytes, min_len: int):
    """(start, end) of runs of windows full of ink, a one-window gap allowed (speckle)."""
    return [(m.start(), m.end()) for m in re.finditer(rb"\x01(?:\x01|\x00(?=\x01))*", row)
            if m.end() - m.start() >= min_len]


def _segments(mask, vertical: bool) -> list[tuple[float, float, float]]:
    """Rules along one axis: (position across, start, end) in pixels, thickness merged."""
    from PIL import ImageChops

    # one pixel of thickening across the rule: a residual skew of a tenth of a degree moves a
    # 2-pixel rule by a pixel over a page width
    shifted = ImageChops.offset(mask, 1, 0) if vertical else ImageChops.offset(mask, 0, 1)
    thick = ImageChops.lighter(mask, shifted)
    if vertical:
        thick = thick.transpose(5)   # TRANSPOSE: columns become rows
    reduced = thick.reduce((WINDOW, 1))
    full = reduced.point(lambda v: 1 if v >= FULL else 0)
    width, height = full.size
    data = full.tobytes()
    found: list[list[float]] = []   # [pos_first, pos_last, start, end]
    for y in range(height):
        for a, b in _runs(data[y * width:(y + 1) * width], MIN_RULE):
            start, end = a * WINDOW, b * WINDOW
            for seg in found:
                if y - seg[1] <= 3 and start < seg[3] and end > seg[2]:
                    seg[1] = y
                    seg[2], seg[3] = min(seg[2], start), max(seg[3], end)
                    break
            else:
                found.append([y, y, start, end])
    return [((s[0] + s[1]) / 2, s[2], s[3]) for s in found]


def _meets(rule, others) -> int:
    pos, start, end = rule
    return sum(1 for opos, ostart, oend in others
               if start - MEET <= opos <= end + MEET and ostart - MEET <= pos <= oend + MEET)


def find_grid(mask) -> tuple[list, list]:
    """(hrules, vrules) of the page's tables: rules that meet at least two of the other kind."""
    hs = _segments(mask, vertical=False)
    vs = _segments(mask, vertical=True)
    hrules = [h for h in hs if _meets(h, vs) >= 2]
    vrules = [v for v in vs if _meets(v, hrules) >= 2]
    hrules = [h for h in hrules if _meets(h, vrules) >= 2]
    # a vertical rule ends at the horizontal rule it meets (its window-rounded ends overshoot)
    snapped = []
    for x, y0, y1 in vrules:
        ys = [y for y, hx0, hx1 in hrules if hx0 - MEET <= x <= hx1 + MEET]
        top = min((y for y in ys if abs(y - y0) <= MEET), default=y0, key=lambda y: abs(y - y0))
        bottom = min((y for y in ys if abs(y - y1) <= MEET), default=y1, key=lambda y: abs(y - y1))
        snapped.append((x, top, bottom))
    return hrules, snapped


def erase(gray, hrules, vrules, pad: int = 3):
    """The page with its rules painted white (a copy)."""
    from PIL import ImageDraw

    clean = gray.copy()
    draw = ImageDraw.Draw(clean)
    for y, x0, x1 in hrules:
        draw.rectangle([x0 - pad, y - pad, x1 + pad, y + pad], fill=255)
    for x, y0, y1 in vrules:
        draw.rectangle([x - pad, y0 - pad, x + pad, y1 + pad], fill=255)
    return clean


def prepare(image_path: str, out_path: str) -> Grid:
    """Straighten the page at `image_path`, find its grid, write the page without rules to
    `out_path` (PNG) for Tesseract."""
    from PIL import Image

    with Image.open(image_path) as img:
        # a red stamp over the text: gone in the red channel of a colour page, mid-grey on a
        # grey one (black text is dark in both)
        colour = img.mode not in ("1", "L", "LA", "I", "I;16", "F")
        gray = img.convert("RGB").getchannel("R") if colour else img.convert("L")
    gray = gray.point(lambda v: v if v < FADE else 255)
    angle = skew_angle(ink_mask(gray))
    if abs(angle) >= 0.05:
        gray = gray.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    hrules, vrules = find_grid(ink_mask(gray))
    erase(gray, hrules, vrules).save(out_path, format="PNG")
    return Grid(angle, hrules, vrules)
