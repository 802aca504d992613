"""SKKN scoring: rubrics, rounds, council, entries, assignment, sheets, results, charts."""
