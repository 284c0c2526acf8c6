"""Small helpers shared by several parts (files, text)."""
