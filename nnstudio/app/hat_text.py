"""Letters with a hat (m̂, v̂ in Adam's rule) drawn as a reader expects them.

Qt's text layout places a combining circumflex (U+0302) wherever its font's layout
puts it, which is often beside the letter or on another one — in a wrapped label, on
another line ("m ←̂ β₁m̂" over Adam's rule in the Training panel). :func:`hat_image`
draws the letter and its hat as an image that sits on the text's baseline;
:func:`hatted_html` puts those images into a label's rich text.
"""

from __future__ import annotations

import base64
import html
import math
import re

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

#: a letter followed by a combining circumflex
HATTED = re.compile("([A-Za-z])\u0302")


def hat_image(letter: str, font: QFont, color: QColor, ratio: float = 1.0) -> QImage:
    """``letter`` with a circumflex over it, as an image that sits on the text's baseline."""
    fm = QFontMetricsF(font)
    width, ascent, xh = fm.horizontalAdvance(letter), fm.ascent(), fm.xHeight()
    img = QImage(max(1, math.ceil((width + 1) * ratio)), max(1, math.ceil(ascent * ratio)),
                 QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(ratio)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(QPointF(0.0, ascent), letter)
    painter.setPen(QPen(color, max(1.0, fm.lineWidth())))
    base = ascent - 1.12 * xh  # just above the letter's x-height
    hat = QPainterPath(QPointF(0.2 * width, base))
    hat.lineTo(0.5 * width, base - 0.36 * xh)
    hat.lineTo(0.8 * width, base)
    painter.drawPath(hat)
    painter.end()
    return img


def hatted_html(text: str, font: QFont, color: QColor, ratio: float = 1.0) -> str:
    """Plain ``text`` as rich text whose hatted letters are images of them (data URLs,
    so a QLabel shows them without a document to hold them)."""
    images = {}
    for letter in set(HATTED.findall(text)):
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        img = hat_image(letter, font, color, ratio)
        img.save(buffer, "PNG")
        # the image's size in the text's pixels (its own are device pixels)
        w, h = round(img.width() / ratio), round(img.height() / ratio)
        images[letter] = (f'<img src="data:image/png;base64,{base64.b64encode(bytes(data)).decode()}" '
                          f'width="{w}" height="{h}">')
    parts = HATTED.split(text)  # text, letter, text, letter, …, text
    # the text's runs of spaces kept (rich text would fold them into one); a word joiner
    # on each side of an image, so that a line does not break in "η·m̂"
    return "".join(f"\u2060{images[p]}\u2060" if i % 2 else html.escape(p).replace("  ", "&nbsp; ")
                   for i, p in enumerate(parts))
