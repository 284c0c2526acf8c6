"""Homework and the group project: assignments, release, submissions, sandboxed grading."""
