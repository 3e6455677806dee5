"""The service guide (办事指南): one standard set of elements, local values where a city differs."""
