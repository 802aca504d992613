"""Core of the thi đua – khen thưởng dashboard: everything but the pages."""
