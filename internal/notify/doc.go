// Package notify owns outbound notifications: it follows a node's event
// stream and POSTs the events of configured actions (by default every
// supervision, 督办) to webhook URLs.
//
// Each node notifies only what it committed itself — the stream.Bus carries
// exactly those events — so nodes sharing one database never notify the same
// event twice in normal operation. Delivery is at least once per node: a
// failed POST (network error, 5xx, 408 or 429) is retried with exponential
// backoff up to Options.MaxAttempts, then logged and counted as failed;
// other 4xx answers are not retried. Each webhook has its own queue and
// worker, so a slow receiver delays only its own notifications.
//
// The notifier never slows the bus down. It reads its subscription into
// per-webhook queues; when a queue is full it stops reading, the bus drops
// the subscription with stream.ErrLagged, and the notifier subscribes again
// and catches up from the store's event log (Store.Events) after the last
// position it handled. The log holds every node's events, so a catch-up may
// notify events another node committed (and notified) too; receivers
// deduplicate on the delivery id, which is the same on every node.
//
// Requests carry a JSON [Body], the headers X-Yiwang-Delivery (the delivery
// id "<case>/<seq>"), X-Yiwang-Event (the action), X-Yiwang-Attempt, and,
// when the webhook has a secret, X-Yiwang-Signature: "sha256=" and the
// hex HMAC-SHA256 of the body under the secret (check it with [Verify]).
//
// Not persisted: deliveries still queued or being retried when the node
// stops are lost, and a notifier that starts with Options.After zero
// follows the live stream only.
package notify
