"""Orders from shop webhooks: signatures, the order state machine, matching to contacts."""
