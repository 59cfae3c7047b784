"""Payment prediction (features, models, honest evaluation) and campaign experiment
reports."""

from __future__ import annotations
