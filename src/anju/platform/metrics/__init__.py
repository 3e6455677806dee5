"""办件成效: the trial run's yardsticks, computed from stored events (never entered by hand)."""
