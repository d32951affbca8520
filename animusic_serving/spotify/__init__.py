"""Export to Spotify: the pure track matcher (``matching``), the Web API and accounts client
(``client``), token encryption (``tokens``) and the export run (``export``)."""
