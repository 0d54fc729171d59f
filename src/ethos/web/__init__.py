"""The Django project: settings, URLs, the Jinja2 environment and the WSGI entry point."""
