"""Test fixtures for rebub."""
