"""Screening: RFM and community activity kept on write, scored daily for changed contacts."""
