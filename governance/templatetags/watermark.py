"""The watermark of pages that show personal data (DESIGN §6): the viewer's name, account and
the time, tiled faintly over the page and printed with it, so a photo or printout of the
screen says who looked at it and when. A page switches it on with ``watermark=True`` in its
context; ``base.html`` renders it once."""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

TILE_WIDTH, TILE_HEIGHT = 340, 220


def viewer_label(user: object) -> str:
    username = str(getattr(user, "username", "") or "")
    get_full_name = getattr(user, "get_full_name", None)
    full_name = (get_full_name() if callable(get_full_name) else "").strip()
    if full_name and full_name != username:
        return f"{full_name} {username}"
    return username


def watermark_svg(label: str, stamp: str) -> str:
    """One tile: two lines of faint text, turned a little, centred in the tile."""
    x, y = TILE_WIDTH // 2, TILE_HEIGHT // 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{TILE_WIDTH}" height="{TILE_HEIGHT}">'
        f'<g transform="rotate(-22 {x} {y})" fill="#000" fill-opacity="0.07" '
        "font-family=\"system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif\" "
        'font-size="15" text-anchor="middle">'
        f'<text x="{x}" y="{y - 6}">{escape(label)}</text>'
        f'<text x="{x}" y="{y + 16}">{escape(stamp)}</text>'
        "</g></svg>"
    )


@register.simple_tag(takes_context=True)
def watermark(context: template.Context) -> SafeString | str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    uri = "data:image/svg+xml;charset=utf-8," + quote(watermark_svg(viewer_label(user), stamp))
    return format_html(
        '<div class="watermark" aria-hidden="true" data-testid="watermark" '
        "style=\"background-image: url('{}')\"></div>",
        uri,
    )
