"""Local eligibility rules as dated data, evaluated with an explanation (issue 6; eligibility-defaults.md)."""
