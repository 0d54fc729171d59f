"""The respondent journey's helpers: see :mod:`ethos.surveys.respond_views` for the pages."""
