"""Files in and out: reading uploads, imports, exports, backup and restore."""
