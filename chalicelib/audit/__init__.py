"""The audit log: who changed what through the admin API, when, and with what outcome."""
