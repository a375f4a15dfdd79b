"""The admin API's OpenAPI document, built from the routes and the pydantic models they
validate with."""
