"""Core domain areas, one package each: tables, schemas, repository, service, controller."""
