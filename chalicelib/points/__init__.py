"""The points ledger: earning rules, refunds, expiry, redemption, adjustments, tasks, referrals."""
