"""What a terminal shows of a Pilot-driven app: the app's screen updates applied to a grid of
cells as a terminal applies them (a cell keeps its character until an update writes over it), to
compare with what the app means to show (a full frame of its screen)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.segment import ControlType
from textual._compositor import CompositorUpdate


class TerminalImage:
    """Start it before the screen's first update worth checking: it records every update after."""

    def __init__(self, app) -> None:
        self.app = app
        width, height = app.size
        self.grid = [[" "] * width for _ in range(height)]
        self.console = Console(width=width, height=height, color_system="truecolor", force_terminal=True)
        display = app._display

        def recording(screen, renderable) -> None:
            if isinstance(renderable, CompositorUpdate):
                self._apply(self.grid, renderable)
            return display(screen, renderable)

        app._display = recording
        app.screen.refresh()  # a whole frame first: the grid starts as the screen is

    def _apply(self, grid: list[list[str]], update) -> None:
        x = y = 0
        for segment in update.__rich_console__(self.console, self.console.options):
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            for char in segment.text:
                if char == "\n":
                    x, y = 0, y + 1
                    continue
                if 0 <= y < len(grid) and 0 <= x < len(grid[0]):
                    grid[y][x] = char
                x += cell_len(char)

    def shown(self) -> list[str]:
        """The terminal's lines now."""
        return ["".join(row) for row in self.grid]

    def meant(self) -> list[str]:
        """The lines of a whole frame of the app's screen now."""
        width, height = self.app.size
        grid = [[" "] * width for _ in range(height)]
        self._apply(grid, self.app.screen._compositor.render_update(full=True))
        return ["".join(row) for row in grid]
