"""The `patron` command and the composition root of the application."""
