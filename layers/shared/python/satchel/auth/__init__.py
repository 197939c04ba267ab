"""Identity: JWT access tokens, signing keys and the API authorizer's decision."""
