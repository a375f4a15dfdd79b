"""Health: which stage answers, and whether its stores do."""
