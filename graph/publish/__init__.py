"""Publishing: the HTTP server (endpoint, pages) and pushing to a partner's store."""
