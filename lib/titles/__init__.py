"""Emulation titles: quy chế, registrations, evaluations, eligibility."""
