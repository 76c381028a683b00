"""Plain value objects and the error tree. Imports nothing outside the standard library."""
