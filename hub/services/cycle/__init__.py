"""The daily cycle: the facts the rules see, the rule file in force, the decisions applied,
the incremental selection and the spread over queue workers."""

from __future__ import annotations
