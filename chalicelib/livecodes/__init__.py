"""Live codes (活码): staff codes with rotation, caps, schedules and attribution."""
