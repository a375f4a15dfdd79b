"""Tests of the welcome context."""
