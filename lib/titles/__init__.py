"""Emulation titles: quy chế, registrations, evaluations, eligibility, the council's vote."""
