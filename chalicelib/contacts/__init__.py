"""Customers: one profile per external contact, a relationship per staff member who follows
them, their timeline, phone-hash lookups and the daily add/deletion counters."""
