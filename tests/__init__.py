"""Tests of the dashboard core (lib/)."""
