"""Identity: WeCom sign-in, people and their roles and data scopes, sessions, API keys.

Other contexts ask it one thing, through :mod:`chalicelib.identity.queries`: may this
principal see this customer (or this member's customers)?
"""
