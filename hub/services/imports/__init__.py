"""Imports of ERP exports: customers, invoices and credit notes, payments, settlements;
read ahead in a child process."""

from __future__ import annotations
