"""Backends execute validated intents; argv lists only, never a shell."""
