"""Admin authentication (signed bearer tokens) and roles."""
