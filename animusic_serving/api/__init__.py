"""The HTTP API (FastAPI). ``app.create_app`` is the factory; settings come from ANIMUSIC_*."""
