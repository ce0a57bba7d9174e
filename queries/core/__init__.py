"""Ground floor: settings, vocabularies, scopes and principals, authorisation rule, clock. Imports nothing of the project."""
