"""Liveness and readiness checks for load balancers and container platforms."""
