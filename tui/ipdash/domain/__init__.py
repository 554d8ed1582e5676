"""Pure domain logic: stdlib and pydantic only (checked by import-linter)."""
