"""Message channels: a per-tenant outbox of e-mails (SMTP) and gateway messages (HTTP)
that plugins queue with `sdk.queue_message`, sent after commit by the job worker, with a
record of what was sent to whom, when and with what result. One message per cause."""
