"""Membership tiers from points and/or spend over a rolling window, with their history."""
