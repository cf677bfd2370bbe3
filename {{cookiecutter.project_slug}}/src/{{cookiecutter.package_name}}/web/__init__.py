"""The HTTP plumbing that gives every feature the same contract: problem bodies, handlers, middleware and docs."""
