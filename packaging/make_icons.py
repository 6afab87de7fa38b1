"""Draw the ComfyDesk app icon at every size packaging needs (PNG set, .ico, .icns).

Run once after changing the design: ``python packaging/make_icons.py``. The outputs are
committed under resources/icons/ so builds need no drawing step.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=(32, 36, 48, 255))
    nodes = [(0.22, 0.30), (0.22, 0.70), (0.55, 0.50), (0.80, 0.30), (0.80, 0.72)]
    links = [(0, 2), (1, 2), (2, 3), (2, 4)]
    width = max(2, s // 28)
    for a, b in links:
        (xa, ya), (xb, yb) = nodes[a], nodes[b]
        pen.line((xa * s, ya * s, xb * s, yb * s), fill=(120, 200, 255, 255), width=width)
    radius = s * 0.085
    colours = [(255, 170, 70), (255, 170, 70), (140, 230, 140), (120, 200, 255), (120, 200, 255)]
    for (x, y), colour in zip(nodes, colours, strict=True):
        pen.ellipse((x * s - radius, y * s - radius, x * s + radius, y * s + radius),
                    fill=(*colour, 255), outline=(250, 250, 250, 255), width=max(1, width // 2))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(OUT / f"comfydesk-{size}.png")
    images[256].save(OUT / "comfydesk.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[1024].save(OUT / "comfydesk.icns")
    print(f"wrote {len(SIZES)} PNGs, .ico and .icns to {OUT}")


if __name__ == "__main__":
    main()
