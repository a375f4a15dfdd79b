"""The few HTML pages sign-in shows itself (a refusal the browser lands on)."""

from __future__ import annotations

from html import escape

from chalice.app import Response


def page(status: int, title: str, detail: str, *, sign_in: str = "/") -> Response:
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;
color:#1f2329}}h1{{font-size:1.4rem}}p{{line-height:1.5}}a{{color:#07c160}}</style></head>
<body><h1>{escape(title)}</h1><p>{escape(detail)}</p>
<p><a href="{escape(sign_in)}">Back to sign-in</a></p></body></html>
"""
    return Response(
        body=body,
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
