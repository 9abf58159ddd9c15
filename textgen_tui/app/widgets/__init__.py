"""Widgets the panes are built from: fields, the loss chart, the live training view, the Write
pane's editor and its overlays, path completion."""
