"""好差评: one evaluation per case per channel, follow-up of bad ratings, and the figures."""
