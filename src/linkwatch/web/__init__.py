"""Server-rendered HTML pages (Jinja2 templates, packaged CSS, no scripts, no CDN); each has a JSON twin."""
