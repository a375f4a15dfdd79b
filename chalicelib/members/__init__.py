"""The corp's WeCom members (the staff who can be put in a live code's pool), read from
WeCom's address book as the app sees it and kept a few minutes in the process."""
