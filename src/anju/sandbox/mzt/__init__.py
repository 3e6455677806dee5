"""闽政通 as the sandbox plays it (standards.md §4.1)."""
