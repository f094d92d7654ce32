"""A PNG contact sheet of image-search results, drawn with Pillow.

Used by the demo (scripts/demo.py).  The sheet has a title, then one or more
sections; each section is a caption and a grid in which every row is a query
image (framed in blue) followed by the images a search returned for it,
framed green when their class is the query's and red when it is not.  Images
are 28x28 grey pixels (Fashion-MNIST), scaled up 4x with nearest-neighbour
sampling so every pixel stays a visible square; under each image is a short
caption (class name, distance) in Pillow's built-in bitmap font, so no font
package is needed.
"""
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SCALE = 4                       # 28 px -> 112 px
SIDE = 28 * SCALE
FRAME = 3                       # coloured frame around each image
CELL = SIDE + 2 * FRAME
GAP = 8                         # between the images of a row
QUERY_GAP = 28                  # between the query and its results
LINE = 12                       # height of a caption line
CAPTION = 2 * LINE + 4          # two caption lines under each image
ROW = CELL + CAPTION + 10
MARGIN = 20

WHITE = (255, 255, 255)
INK = (40, 40, 40)
GREY = (120, 120, 120)
BLUE = (30, 100, 220)           # the query
GREEN = (40, 150, 60)           # a result of the query's class
RED = (210, 50, 40)             # a result of another class


@dataclass
class Tile:
    """One image of the sheet and the two caption lines under it."""
    pixels: np.ndarray          # 784 values 0..255
    caption: tuple              # (first line, second line)
    match: bool = True          # same class as the query (ignored for queries)


@dataclass
class Section:
    """A caption (one or more lines) and rows of (query Tile, [result Tiles])."""
    title: list
    rows: list = field(default_factory=list)


def _image(pixels):
    """A 28x28 grey image from 784 pixel values, scaled up SCALE times."""
    grey = np.clip(np.asarray(pixels, dtype=np.float32), 0, 255).astype(np.uint8).reshape(28, 28)
    return Image.fromarray(grey, "L").resize((SIDE, SIDE), Image.NEAREST).convert("RGB")


def _centered(draw, font, x, y, width, text, fill):
    """Draws text centred in [x, x + width), cut to fit."""
    while text and draw.textlength(text, font=font) > width:
        text = text[:-1]
    draw.text((x + (width - draw.textlength(text, font=font)) / 2, y), text, fill=fill, font=font)


def _tile(sheet, draw, font, x, y, tile, colour):
    """One framed image at (x, y) with its caption below."""
    draw.rectangle([x, y, x + CELL - 1, y + CELL - 1], fill=colour)
    sheet.paste(_image(tile.pixels), (x + FRAME, y + FRAME))
    for i, line in enumerate(tile.caption):
        _centered(draw, font, x - GAP // 2, y + CELL + 3 + i * LINE, CELL + GAP, line,
                  colour if i == 0 else GREY)


def write(path, title, sections, results=10):
    """Writes the sheet to path (PNG).  title is a list of lines; each row of
    each section has up to `results` result tiles."""
    font = ImageFont.load_default()
    width = 2 * MARGIN + CELL + QUERY_GAP + results * CELL + (results - 1) * GAP
    height = MARGIN + len(title) * (LINE + 2) + 8
    for s in sections:
        height += 12 + len(s.title) * (LINE + 2) + LINE + 6 + len(s.rows) * ROW
    height += MARGIN

    sheet = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(sheet)
    y = MARGIN
    for line in title:
        draw.text((MARGIN, y), line, fill=INK, font=font)
        y += LINE + 2
    y += 8
    first = MARGIN + CELL + QUERY_GAP            # x of the first result
    for s in sections:
        y += 12
        draw.line([MARGIN, y - 8, width - MARGIN, y - 8], fill=GREY)
        for line in s.title:
            draw.text((MARGIN, y), line, fill=INK, font=font)
            y += LINE + 2
        # column heads: "query", then the rank of each result
        _centered(draw, font, MARGIN, y, CELL, "query", BLUE)
        for r in range(results):
            _centered(draw, font, first + r * (CELL + GAP), y, CELL, f"#{r + 1}", GREY)
        y += LINE + 6
        for query, found in s.rows:
            _tile(sheet, draw, font, MARGIN, y, query, BLUE)
            for r, tile in enumerate(found[:results]):
                _tile(sheet, draw, font, first + r * (CELL + GAP), y, tile, GREEN if tile.match else RED)
            y += ROW
    sheet.save(path)
