"""Following an application: signed in, or by number + ID number + a one-time SMS code."""
