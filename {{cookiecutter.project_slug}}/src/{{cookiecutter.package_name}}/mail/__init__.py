"""Mail: each message is written to the outbox in the transaction that calls for it, and delivered over SMTP by the
sender; a message is sent once, retried with backoff while the server is away, and recorded as failed when the server
refuses it for good."""
