"""Scheduling, storage, derivation and alerting; no Textual here."""
