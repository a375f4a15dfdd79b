"""Shared by every context: settings, secrets, observability, errors and the HTTP edge."""
