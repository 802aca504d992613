"""Plans and their schedules: storage, periods, progress, Word plan reading, charts."""
