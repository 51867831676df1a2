// Package natsbus owns the bridge that carries committed case events
// between Yiwang nodes over NATS JetStream: the Publisher puts every event
// of the store's log into one stream, and the Follower hands each node the
// events the other nodes committed.
//
// # Stream layout
//
// One stream (default YIWANG_EVENTS, file storage, subjects "<prefix>.>")
// holds one message per event on subject "<prefix>.<caseID>", the body the
// JSON of cases.Event (Pos included), with headers:
//
//	Nats-Msg-Id       <caseID>/<seq>   JetStream drops a second copy within the dedupe window
//	Yiwang-Origin     node that committed the event (set only by that node's live path)
//	Yiwang-Publisher  node that published the stored copy
//	Yiwang-Pos        the event's position in the store's log
//
// # How the Publisher works
//
// Each node's store publishes the events it commits to the node's
// stream.Bus; on PostgreSQL several nodes share one log, and each node's
// Bus carries only its own commits. A Publisher has two paths:
//
//   - Live: each event from the Bus is published at once with
//     Yiwang-Origin = this node. Acks are awaited (at most MaxInFlight
//     outstanding, in publish order) and a failed publish is retried until
//     acked.
//   - Sweep: every SweepInterval the Publisher reads the store's log
//     (Source.Events) after a cursor and publishes each event that was
//     already in the log at the previous sweep (the fence) and that its live
//     path has not had acked, then advances the cursor to the fence.
//
// The cursor is shared by all nodes: one key "<stream>.pos" in the KV
// bucket "yiwang_bridge", advanced by compare-and-set and never backwards.
// It means "every event with Pos <= cursor is in JetStream". It moves only
// after a sweep has had every event up to it acked, whichever node
// committed them, so an event committed by a node that crashed before
// publishing it (and never comes back) is still published by any other
// node's sweep. Positions increase in commit order (the store guarantees
// it, on PostgreSQL through a write lock held until commit), so once the
// head of the log has been seen, no event can later appear below it.
//
// Why this design rather than a cursor per node: the log does not record
// which node committed an event, so a node cannot tell "its own" events
// apart when it catches up; and a per-node mark that follows the node's
// live events would skip the events of other nodes that crashed. Sweeping
// the whole log against one shared cursor is simple and correct; the cost
// is that, with N nodes, an event can be offered to JetStream up to N
// times (once live, once by each sweeping node that reaches it before the
// cursor moves), the extra copies being dropped by the dedupe id.
//
// The fence gives the committing node's live path one sweep interval to
// publish first, so that in normal operation the stored copy carries
// Yiwang-Origin. A restarted Publisher's first sweep only observes the
// head; the next publishes whatever the cursor does not cover (the events
// committed while it was down, or lost when its subscription lagged).
// When Run's context ends it makes one last sweep to the end of the log,
// so the next start republishes nothing (that sweep has no fence, so an
// event another node committed in the last milliseconds may be stored
// without its origin).
//
// # Guarantees
//
// At-least-once into JetStream: an event is in the stream once its store
// has committed it and some node's Publisher has run long enough (a live
// publish, or at most two sweep intervals). Exactly-once as seen by
// subscribers within the dedupe window (default 2 minutes): every copy
// carries the same Nats-Msg-Id, so JetStream stores one. A second copy can
// be stored only if a sweep reaches an event more than a window after it
// was first published — when every node's sweep has failed (e.g. the store
// was unreadable) for that long, or when every node was stopped without
// its final sweep and restarts later than a window; then at most the
// events of the last two sweep intervals before the stop are repeated.
//
// Order: one node's live events reach the stream in commit order. Events
// of one case committed on two nodes within a few milliseconds can be
// stored out of seq order (the two live paths race), and an event a sweep
// publishes lands after later events that were published live. Subscribers
// must therefore treat (CaseID, Seq) as the identity of an event: ignore a
// Seq they have applied, and on a gap (Seq > last+1) read the case's
// history from the store.
//
// # Follower
//
// A Follower is a durable pull consumer per node (default "follow_<node>")
// over the whole stream. It acks and skips messages whose Yiwang-Origin is
// its own node (their events reached the node through its own Bus) and
// calls the handler for every other one, one at a time in stream order. An
// event with no origin header (published by a sweep) is always delivered,
// possibly to the node that committed it. A handler error makes the
// Follower call the handler again with the same event, with backoff, before
// anything later: delivery is at-least-once and never reordered by errors;
// a handler that must give up on an event logs it and returns nil.
package natsbus
