"""Shared worklist sheets: local XLSX workbooks (the default), Google Sheets, Smartsheet.

Each backend implements hub.ports.WorksheetBackend; the sync use case lives in
hub/services/sheets/sync.py. gspread is imported only in gsheets.py, smartsheet only in
smartsheet.py."""
