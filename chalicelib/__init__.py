"""The private-domain SCRM backend: one package per bounded context, shared things in core."""
