"""The panes' tabs, which a stale focus does not switch back."""

from __future__ import annotations

from textual._time import get_time
from textual.widgets import TabbedContent, TabPane


class PaneTabs(TabbedContent):
    """TabbedContent shows the pane of a widget that gets focus. A focus given before the shown pane
    last changed (the first focus at start, still on its way up when a pane key arrives) must not
    bring its pane back: the key would seem lost."""

    _changed_at = 0.0

    def _watch_active(self, active: str) -> None:
        self._changed_at = get_time()
        super()._watch_active(active)

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        if event.time < self._changed_at:  # stale: TabbedContent's own handler must not run
            event.prevent_default()
            event.stop()
