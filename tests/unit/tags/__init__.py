"""Tests of the tags context."""
