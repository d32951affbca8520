"""The Animusic Telegram bot: ``python -m animusic_bot``.

A client of the Animusic HTTP API only (no database): a chat is linked to a listener with a
one-time code from the web page, traded for that listener's session token, which the bot
keeps in a small local state file and sends as ``Authorization: Bearer``.
"""
