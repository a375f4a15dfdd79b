"""Sending mass messages to customers, shared by SOPs and broadcasts: WeCom calls in
batches of at most 10,000, staff reminders, per-customer frequency caps and quiet hours."""
