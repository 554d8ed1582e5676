"""IO at the edges: files, provider APIs, DNS, the history store. Never imports Textual."""
