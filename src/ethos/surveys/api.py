"""API operations of this app (mounted by ethos.web.api)."""

from ninja import Router

router = Router()
