"""Organisations (tenants), their unit trees, rosters, users' roles and API tokens (M1)."""
