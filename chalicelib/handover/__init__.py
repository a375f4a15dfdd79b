"""Moving customers between staff: the initial import of existing customers, and handover
(on-job and resigned transfers) with WeCom's per-customer results."""
