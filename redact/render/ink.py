"""Ink on a page image that the copy has no reason to show.

A copy in the original layout shows the page as an image. The text layer says which characters
are on the page, but a page can carry more ink than its text layer holds: a picture of text, a
handwritten note, a stamp, text drawn as outlines, words OCR could not read. None of that was
read, so none of it was decided, and it must not stay readable (fail closed).

``unread_ink`` finds it: ink (pixels clearly darker than the paper) outside the regions the copy
may show (released text, furniture kept visible, the stamp, the painted boxes), grouped into
regions on a grid of small cells. Three things are let through, because no character can hide in
them: specks (smaller than a character could be drawn and read, and not crowded as a halftone's
dots are), thin rules (lines at most four pixels thick, as underlines, table borders and frames
are drawn) and solid areas (an earlier release's black boxes; a word printed light inside one is
found). The renderer paints every region found; the verifier runs the same search on the written
copy and fails it when anything is found.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from PIL import Image

PixelBox = tuple[int, int, int, int]  # left, top, right, bottom, in pixels of the page image

CELL = 6  # pixels a side of the grid the ink is grouped on (3 points at 150 dpi)
CONTRAST = 48  # how much darker than the paper a pixel must be to count as ink
SPECK = 4  # touching ink pixels that fit in a square this many pixels a side (2 points) are a speck ...
BLOCK, DENSE = 12, 0.1  # ... unless specks ink more than DENSE of a BLOCK-pixel square: a picture
# Past this many pixels of unread ink (a picture), specks are not looked for, pixel by pixel (time,
# memory): the picture is painted over whole, specks and all.
SPECK_SEARCH_LIMIT = 200_000
SOLID = 5  # pixels a side of the square of ink that makes its middle pixel solid ...
FIELD = 9  # ... and of the square, two thirds ink, that makes a light pixel a mark on a dark field
RULE_THICKNESS = 4  # a line of ink at most this thick (2 points, anti-aliased edges included) ...
RULE_LENGTH = 24  # ... and at least this long is a rule: no character is drawn in it


def _ink(image: Image.Image) -> NDArray[np.bool_]:
    pixels = np.asarray(image.convert("L"))
    paper = int(np.median(pixels[::4, ::4]))
    # A page that is mostly dark has no paper to measure against: everything not near white is ink.
    threshold = paper - CONTRAST if paper >= 128 + CONTRAST else 255 - CONTRAST
    ink: NDArray[np.bool_] = pixels < threshold
    return ink


def _runs_at_least(ink: NDArray[np.bool_], length: int, axis: int) -> NDArray[np.bool_]:
    """Pixels that lie in a run of at least ``length`` ink pixels along ``axis``."""
    moved = np.moveaxis(ink, axis, -1)
    if moved.shape[-1] < length:
        return np.zeros_like(ink)
    sums = np.cumsum(moved, axis=-1, dtype=np.int32)
    padded = np.concatenate([np.zeros((*moved.shape[:-1], 1), np.int32), sums], axis=-1)
    full = (padded[..., length:] - padded[..., :-length]) == length  # windows wholly of ink, by start
    starts = np.concatenate([np.zeros((*moved.shape[:-1], 1), np.int32),
                             np.cumsum(full, axis=-1, dtype=np.int32)], axis=-1)
    # A pixel is covered when some full window starts within ``length`` pixels before it.
    count = moved.shape[-1]
    index = np.arange(count)
    high = np.minimum(index + 1, full.shape[-1])
    low = np.maximum(index - length + 1, 0)
    covered = (starts[..., high] - starts[..., low]) > 0
    return np.moveaxis(covered, -1, axis)


def _window_counts(mask: NDArray[np.bool_], size: int) -> NDArray[np.int32]:
    """For each pixel, how many pixels of the ``size``-pixel square around it are set (odd size)."""
    height, width = mask.shape
    half = size // 2
    padded = np.zeros((height + size, width + size), dtype=np.int32)
    padded[half + 1:half + 1 + height, half + 1:half + 1 + width] = mask
    sums = padded.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
    counts: NDArray[np.int32] = (sums[size:, size:] - sums[:-size, size:] - sums[size:, :-size]
                                 + sums[:-size, :-size])
    return counts


def _unread_candidates(ink: NDArray[np.bool_], shown: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Ink outside ``shown`` that could hold a character: solid areas (an earlier release's black
    box hides what it hid) with their edges and rules taken out; light marks on a dark field
    outside ``shown`` put in (a word printed in white in a black box)."""
    # Solid areas and rules are found on the whole page: a box painted over a line's end must not
    # make the rest of it, or a box's edge, new ink when the copy is checked.
    dark = ink & ~shown
    if not dark.any():  # a clean page: nothing but what it shows (light marks need a dark field)
        return dark
    core = _window_counts(ink, SOLID) == SOLID * SOLID
    solid = _window_counts(core, SOLID) > 0  # the core and the edge around it
    light = ~ink & ~shown & (_window_counts(dark, FIELD) * 3 > FIELD * FIELD * 2)
    candidates: NDArray[np.bool_] = (dark & ~solid & ~_rules(ink)) | (light & ~_rules(light))
    return candidates


def _rules(ink: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Ink in long thin lines: long along one axis, no thicker than RULE_THICKNESS across it; and
    where two long lines cross or meet (a frame's corner)."""
    thick_v = _runs_at_least(ink, RULE_THICKNESS + 1, 0)
    thick_h = _runs_at_least(ink, RULE_THICKNESS + 1, 1)
    long_h, long_v = _runs_at_least(ink, RULE_LENGTH, 1), _runs_at_least(ink, RULE_LENGTH, 0)
    return (long_h & ~thick_v) | (long_v & ~thick_h) | (long_h & long_v)


def _without_specks(ink: NDArray[np.bool_]) -> None:
    """Specks taken out of ``ink``: groups of touching pixels that fit in a SPECK square (a
    scanner's dust, a stray dot; no character is read from so few pixels), unless they lie thick
    on the page (a halftone picture is made of dots: DENSE of the pixels of a block of them)."""
    specks = np.zeros_like(ink)
    for group in _components(ink):
        rows, columns = [r for r, _ in group], [c for _, c in group]
        if max(rows) - min(rows) < SPECK and max(columns) - min(columns) < SPECK:
            specks[rows, columns] = True
    height, width = ink.shape
    dense = _blocks(specks, BLOCK).sum(axis=(1, 3)) > DENSE * BLOCK * BLOCK
    thick = np.repeat(np.repeat(dense, BLOCK, axis=0), BLOCK, axis=1)[:height, :width]
    ink &= ~(specks & ~thick)


def _blocks(mask: NDArray[np.bool_], size: int) -> NDArray[np.bool_]:
    """``mask`` cut into squares ``size`` pixels a side (rows, size, columns, size), padded with
    false at the right and bottom edges."""
    height, width = mask.shape
    rows, columns = -(-height // size), -(-width // size)
    grid = np.zeros((rows * size, columns * size), dtype=bool)
    grid[:height, :width] = mask
    return grid.reshape(rows, size, columns, size)


def _components(cells: NDArray[np.bool_]) -> list[list[tuple[int, int]]]:
    """The (row, column) of each group of touching true cells (8 neighbours)."""
    todo = {(r, c) for r, c in np.argwhere(cells).tolist()}
    groups: list[list[tuple[int, int]]] = []
    while todo:
        stack = [todo.pop()]
        group: list[tuple[int, int]] = []
        while stack:
            row, column = stack.pop()
            group.append((row, column))
            for step in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
                neighbour = (row + step[0], column + step[1])
                if neighbour in todo:
                    todo.remove(neighbour)
                    stack.append(neighbour)
        groups.append(group)
    return groups


def _minus(box: PixelBox, hole: PixelBox) -> list[PixelBox]:
    """``box`` without ``hole``: up to four boxes."""
    left, top, right, bottom = box
    h_left, h_top, h_right, h_bottom = hole
    if h_left >= right or h_right <= left or h_top >= bottom or h_bottom <= top:
        return [box]
    pieces = []
    if h_top > top:
        pieces.append((left, top, right, h_top))
    if h_bottom < bottom:
        pieces.append((left, h_bottom, right, bottom))
    middle_top, middle_bottom = max(top, h_top), min(bottom, h_bottom)
    if h_left > left:
        pieces.append((left, middle_top, h_left, middle_bottom))
    if h_right < right:
        pieces.append((h_right, middle_top, right, middle_bottom))
    return pieces


def _outside(box: PixelBox, holes: list[PixelBox]) -> list[PixelBox]:
    pieces = [box]
    for hole in holes:
        pieces = [piece for part in pieces for piece in _minus(part, hole)]
    return pieces


def unread_ink(image: Image.Image, shown: Iterable[PixelBox]) -> list[PixelBox]:
    """Boxes (pixels) covering the ink of ``image`` outside ``shown``, specks, rules and solid
    areas apart; none of them overlaps a box of ``shown``."""
    holes = [box for box in shown if box[2] > box[0] and box[3] > box[1]]
    ink = _ink(image)
    height, width = ink.shape
    shown_mask = np.zeros_like(ink)
    for left, top, right, bottom in holes:
        shown_mask[max(0, top):max(0, bottom), max(0, left):max(0, right)] = True
    ink = _unread_candidates(ink, shown_mask)
    if not ink.any():
        return []
    if ink.sum() <= SPECK_SEARCH_LIMIT:
        _without_specks(ink)
    cells: NDArray[np.bool_] = np.asarray(_blocks(ink, CELL).any(axis=(1, 3)))
    boxes: list[PixelBox] = []
    for group in _components(cells):
        # Each row of cells painted from the group's first to its last cell on that row, one cell
        # more on every side: no stroke, and no letter's inside, stays between two painted cells.
        spans: dict[int, tuple[int, int]] = {}
        for row, column in group:
            low, high = spans.get(row, (column, column))
            spans[row] = (min(low, column), max(high, column))
        for row, (low, high) in spans.items():
            box = (max(0, (low - 1) * CELL), max(0, (row - 1) * CELL),
                   min(width, (high + 2) * CELL), min(height, (row + 2) * CELL))
            boxes.extend(_outside(box, holes))
    return _merged(boxes)


def _merged(boxes: list[PixelBox]) -> list[PixelBox]:
    """Fewer boxes for the same pixels: duplicates dropped, boxes contained in another dropped."""
    unique = sorted(set(boxes), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    kept: list[PixelBox] = []
    for box in unique:
        if not any(k[0] <= box[0] and k[1] <= box[1] and k[2] >= box[2] and k[3] >= box[3] for k in kept):
            kept.append(box)
    return sorted(kept, key=lambda b: (b[1], b[0]))
