"""Screens opened over the panes: dialogs and a model's details."""
