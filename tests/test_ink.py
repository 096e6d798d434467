"""redact.render.ink: what ink a page shows outside the regions it may show."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from redact.render.ink import unread_ink


def _page() -> Image.Image:
    return Image.new("L", (600, 400), 255)


def _word(image: Image.Image, at: tuple[int, int], text: str = "SECRET NAME", fill: int = 0) -> None:
    ImageDraw.Draw(image).text(at, text, fill=fill, font=ImageFont.load_default())


def _covers(boxes: list[tuple[int, int, int, int]], image: Image.Image, region: tuple[int, int, int, int]) -> bool:
    """Every inked pixel of ``region`` lies in one of ``boxes``."""
    left, top, right, bottom = region
    for y in range(top, bottom):
        for x in range(left, right):
            if image.getpixel((x, y)) < 128 and not any(b[0] <= x < b[2] and b[1] <= y < b[3] for b in boxes):  # type: ignore[operator]
                return False
    return True


def test_a_word_outside_the_shown_regions_is_found_and_covered() -> None:
    page = _page()
    _word(page, (50, 50))
    boxes = unread_ink(page, [])
    assert boxes and _covers(boxes, page, (0, 0, 600, 400))


def test_ink_inside_a_shown_region_is_left_and_no_box_overlaps_it() -> None:
    page = _page()
    _word(page, (50, 50))
    _word(page, (50, 70), "released line")
    shown = [(45, 65, 200, 85)]
    boxes = unread_ink(page, shown)
    assert boxes and _covers(boxes, page, (0, 0, 600, 64))
    for box in boxes:
        assert box[2] <= 45 or box[0] >= 200 or box[3] <= 65 or box[1] >= 85


def test_specks_and_rules_hold_no_text_and_are_left() -> None:
    page = _page()
    draw = ImageDraw.Draw(page)
    for x, y in ((10, 10), (300, 200), (500, 350), (100, 300)):
        draw.rectangle((x, y, x + 1, y + 1), fill=0)  # dust
    draw.line((20, 100, 580, 100), fill=0, width=2)  # a rule
    draw.rectangle((400, 150, 550, 250), outline=0, width=1)  # a frame
    assert unread_ink(page, []) == []


def test_a_word_inside_a_frame_is_found() -> None:
    page = _page()
    ImageDraw.Draw(page).rectangle((40, 40, 300, 90), outline=0, width=2)
    _word(page, (60, 55))
    boxes = unread_ink(page, [])
    assert boxes and _covers(boxes, page, (45, 45, 295, 85))


def test_light_text_on_a_dark_field_is_covered() -> None:
    page = _page()
    ImageDraw.Draw(page).rectangle((40, 40, 400, 120), fill=20)
    _word(page, (60, 70), fill=255)
    boxes = unread_ink(page, [])
    left, top, right, bottom = ImageDraw.Draw(page).textbbox((60, 70), "SECRET NAME", font=ImageFont.load_default())
    covered = {(x, y) for b in boxes for x in range(b[0], b[2]) for y in range(b[1], b[3])}
    assert all((x, y) in covered for x in range(left, right) for y in range(top, bottom))


def test_a_page_of_faint_grey_text_on_white_is_still_ink() -> None:
    page = _page()
    _word(page, (50, 50), fill=150)
    assert unread_ink(page, [])


@pytest.mark.parametrize(("size", "region"), [
    ((600, 400), (100, 100, 300, 160)),  # a small halftone: each dot alone would be a speck
    ((1275, 1650), (100, 100, 1100, 1500)),  # a page-size one: more ink than the speck search takes
])
def test_dots_close_together_are_a_picture_not_specks(size: tuple[int, int], region: tuple[int, int, int, int]) -> None:
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    left, top, right, bottom = region
    for y in range(top, bottom, 4):
        for x in range(left + (y // 4) % 2 * 2, right, 4):
            draw.rectangle((x, y, x + 1, y + 1), fill=0)
    boxes = unread_ink(page, [])
    assert boxes and _covers(boxes, page, region)


def test_an_earlier_releases_solid_box_is_left_but_not_a_word_inside_one() -> None:
    page = _page()
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, 400, 60), fill=0)  # an earlier release's box: hides what it hid
    draw.rectangle((40, 64, 300, 84), fill=0)
    assert unread_ink(page, []) == []
    draw.rectangle((40, 120, 400, 160), fill=0)
    _word(page, (60, 132), fill=255)  # but a word printed inside a box is read from its outline
    boxes = unread_ink(page, [])
    assert boxes and all(b[1] >= 100 for b in boxes)


def test_a_frame_and_a_table_are_rules_and_what_is_painted_beside_a_rule_leaves_a_rule() -> None:
    page = _page()
    draw = ImageDraw.Draw(page)
    draw.rectangle((40, 40, 400, 200), outline=0, width=3)  # a frame, corners included
    draw.line((40, 120, 400, 120), fill=0, width=1)  # a table's row line
    draw.line((200, 40, 200, 200), fill=0, width=1)
    assert unread_ink(page, []) == []
    # The end of the row line under a box (as a painted box covers it): what is left is a rule.
    assert unread_ink(page, [(40, 110, 390, 130)]) == []
