"""Small HTTP clients for the sites a listener's list is imported from (AniList, MAL).

Serving keeps its own minimal clients (the offline half's site clients live in
``animusic_assets``, which serving must never import). Each client has a per-process
minimum interval between requests and honours ``Retry-After``.
"""
