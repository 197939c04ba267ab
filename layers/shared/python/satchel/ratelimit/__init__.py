"""Per-principal request limits and failed-login counters, as fixed-window counters in DynamoDB."""
