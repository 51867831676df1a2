// Package cases owns the case: its fields, its lifecycle state machine and
// the events that record every change to it.
//
// A case's current state is never written directly: every change is an
// [Event] appended to the case's history, and [Replay] folds the history
// into the current [Case]. [Decide] checks a [Command] against the state
// machine and produces the next event; it does no I/O and takes the time as
// an argument, so every transition is testable.
//
// The lifecycle (state names are stable API values):
//
//	received 受理 → dispatched 派单 → accepted 签收 → in_progress 办理 →
//	resolved 办结 → verified 回访 → closed 结案
//
// with returned 退单 (back to dispatch), reassign 改派, extensions 延期,
// suspended 挂起, supervise 督办, merged 合并, voided 作废, reopen 重办 and
// recategorise 改类 (a dispatcher corrects the category while the case is
// received, dispatched, accepted, in_progress or returned; the event keeps
// the old category beside the new one).
//
// A merged case shares its parent's handling: when the parent gets its
// official reply the platform appends relay 转告 to each merged case
// (payload.parent_id, payload.reply), which gives the merged case that
// reply without changing its state. When the parent is voided instead, the
// platform appends detach 解除合并 (payload.parent_id, payload.reason):
// the merged case leaves its parent and goes back to received, with no
// unit, deadline, open pause or reply left from before, to be handled on
// its own. Only the platform sends relay and detach ([Action.SystemOnly]).
//
// Beside its state a case may wait in a [Queue]: QueueLowConfidence while
// it is received and the classifier was unsure of its category. The
// platform's classification note sets it (with the suggestions, which the
// case keeps); leaving received or a recategorise clears it. Notes
// written before the payload carried this are read from their text, so
// old histories replay to the same queue.
package cases
