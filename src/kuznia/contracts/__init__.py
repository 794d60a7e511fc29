"""Contracts and purchase guarantees: what an approved plan run turns into, and their lives."""
