"""Web blueprints (pages and the JSON API)."""
