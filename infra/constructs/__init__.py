"""One construct per domain; infra/stack.py composes them."""
