"""Panels mounted turned: the kiosk always draws a landscape picture, and
this turns it onto the screen and turns touches back.

SDL's KMS/DRM driver shows a framebuffer as the panel scans it out, and
Raspberry Pi's Touch Display 2 scans out 720x1280, portrait. `kiosk.rotation`
says how many degrees clockwise the picture is turned on the screen (as a
technician sees it: 90 or 270 for that display lying on its long side, one
way round or the other). The kiosk draws on `surface`
(1280x720 there), `show` turns it onto the screen, and `point` maps a touch,
which SDL reports in the screen's own coordinates, back onto `surface`.
"""

from __future__ import annotations

import pygame

ROTATIONS = (0, 90, 180, 270)


class Panel:
    def __init__(self, screen: pygame.Surface, rotation: int = 0) -> None:
        if rotation not in ROTATIONS:
            raise ValueError(f"rotation must be one of {ROTATIONS}, got {rotation}")
        self.screen = screen
        self.rotation = rotation
        width, height = screen.get_size()
        if rotation in (90, 270):
            width, height = height, width
        # Unturned, the kiosk draws on the screen itself: no copy per frame.
        self.surface = screen if rotation == 0 else pygame.Surface((width, height)).convert(screen)

    def show(self) -> None:
        """Put what was drawn on `surface` on the screen."""
        if self.rotation:
            # pygame.transform.rotate turns counter-clockwise; right angles take its lossless fast path.
            self.screen.blit(pygame.transform.rotate(self.surface, -self.rotation), (0, 0))
        pygame.display.flip()

    def point(self, x: float, y: float) -> tuple[float, float]:
        """A position on the screen as fractions of its width and height
        (SDL's touch coordinates) -> the same fractions of `surface`."""
        if self.rotation == 90:  # surface (a, b) shows at screen (1 - b, a)
            return y, 1.0 - x
        if self.rotation == 180:
            return 1.0 - x, 1.0 - y
        if self.rotation == 270:  # surface (a, b) shows at screen (b, 1 - a)
            return 1.0 - y, x
        return x, y

    def pixel(self, position: tuple[int, int]) -> tuple[int, int]:
        """A screen pixel (SDL's mouse position) -> the pixel of `surface` shown there."""
        screen_w, screen_h = self.screen.get_size()
        fx, fy = self.point((position[0] + 0.5) / screen_w, (position[1] + 0.5) / screen_h)
        width, height = self.surface.get_size()
        return min(width - 1, int(fx * width)), min(height - 1, int(fy * height))
