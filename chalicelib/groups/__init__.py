"""Customer groups: their profiles, members and daily join / leave counts, mirrored from WeCom."""
