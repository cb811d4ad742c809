"""Alert channels: where an organization's alerts are sent, and the delivery of each message to them.

message.py   AlertMessage, the seam: whatever has something to tell (an incident's opening or resolution, a
             digest, a test) builds one and calls delivery.message_enqueue in its own transaction.
targets.py   which addresses a channel may have (the API client's destination rules), and adding a channel.
changes.py   what an admin does to a channel once added: send a test, remove it.
audit.py     the audit entries of channels (adding, testing, resuming, removing), without the target.
outbound.py  the one way a channel's HTTP post leaves: pinned to checked addresses, timeouts, no redirects.
email.py, slack.py, webhook.py   one sender per kind: a delivery in, a SendResult out.
delivery.py  the engine: claims due deliveries, sends, records, retries with backoff, pauses a failing
             channel.
"""
