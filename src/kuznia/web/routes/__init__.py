"""The pages' routes, one module per section."""
