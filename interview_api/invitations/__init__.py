"""Invitations: a link that lets one candidate take one interview in the browser."""
