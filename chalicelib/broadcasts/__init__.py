"""Broadcasts: one-off mass messages to a tag circle, a screening segment, customer groups
or Moments, now or at a set time, through the SOP send path (same batches, caps, quiet
hours, results and funnel)."""
