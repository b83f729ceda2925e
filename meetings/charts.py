"""The packet's chart, drawn on the server as SVG (the PDF has no JavaScript)."""

from decimal import Decimal

from django.utils.html import escape

BAR_HEIGHT = 14
GAP = 6
LABEL_WIDTH = 150
PLOT_WIDTH = 440
TOP = 30


def investment_chart_svg(rows: list[dict]) -> str:
    """One bar per unit: 投资完成率 (year to date against the annual plan), with the month's 序时进度
    (plan to date against the annual plan) as a tick. Rates above 100 % are drawn at the edge."""
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + 24
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="各单位投资完成率">',
        f'<rect x="{LABEL_WIDTH + 10}" y="8" width="12" height="10" fill="#2f6db5"/>',
        f'<text x="{LABEL_WIDTH + 26}" y="17" font-size="10">投资完成率</text>',
        f'<rect x="{LABEL_WIDTH + 100}" y="6" width="2" height="14" fill="#c0392b"/>',
        f'<text x="{LABEL_WIDTH + 106}" y="17" font-size="10">序时进度</text>',
    ]
    for percent in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + PLOT_WIDTH * percent / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd" stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{height - 8}" font-size="9" text-anchor="middle">{percent}%</text>'
        )
    for index, row in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        rate = min(Decimal(row["rate"] or 0), Decimal(100))
        pace = min(Decimal(row["pace"] or 0), Decimal(100))
        bar = PLOT_WIDTH * float(rate) / 100
        tick = LABEL_WIDTH + PLOT_WIDTH * float(pace) / 100
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 3}" font-size="10" text-anchor="end">'
            f"{escape(row['unit'])}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" fill="#2f6db5"/>'
            f'<rect x="{tick - 1:.1f}" y="{y - 2}" width="2" height="{BAR_HEIGHT + 4}" fill="#c0392b"/>'
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + BAR_HEIGHT - 3}" font-size="9">'
            f"{escape(row['rate_text'])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
