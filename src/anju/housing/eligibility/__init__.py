"""Local eligibility rules as dated data, assessed with an explanation (issue 6; eligibility-defaults.md)."""
