"""Word and Excel documents the council prints and signs."""
