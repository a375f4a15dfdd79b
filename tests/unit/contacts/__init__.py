"""Tests of the contacts context."""
