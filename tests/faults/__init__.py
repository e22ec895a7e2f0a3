"""The fault suite: the real program under injected faults, judged by what a user sees."""
