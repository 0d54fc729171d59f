"""A test client for the REST API with a persona's token."""

from __future__ import annotations

from typing import Any

from django.test import Client

from ethos.organisations.services import create_api_token


class ApiClient:
    def __init__(self, user: Any | None) -> None:
        self.client = Client()
        self.headers = {}
        if user is not None:
            token = create_api_token(user, "tests")
            self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any):
        if "content_type" not in kwargs and not isinstance(data, dict | type(None)):
            kwargs["content_type"] = "application/json"
        if isinstance(data, dict) and "file" not in data:
            kwargs.setdefault("content_type", "application/json")
        return self.client.post(f"/api/v1{path}", data or {}, headers=self.headers, **kwargs)
