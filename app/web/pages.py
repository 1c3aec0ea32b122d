"""Placeholder router for the server-rendered pages; filled in by its issue."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
