"""Corporate tags: the catalogue mirrored from WeCom, and auto-tag rules applied on adds."""
