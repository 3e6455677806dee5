"""差评 follow-up by the office that handled the case."""
