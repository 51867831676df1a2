// Package workflow owns the path every case takes after intake, whatever
// its channel: automatic dispatch by the responsibility list (权责清单),
// the SLA deadlines of each clock on the responsible unit's working
// calendar, the rules that keep units honest (return window, known units),
// the traffic-light clocks shown on every open case, the explanation of a
// routing decision, and the responsibility list itself as versioned data.
//
// A [Workflow] wraps a store.Store: [Workflow.Create] and
// [Workflow.Transition] are the store's methods with the platform's
// decisions added, so the HTTP API, the CLI and background jobs all go
// through the same code.
//
// # Dispatch on create
//
// A newly created case is decided by the current dispatch.Engine. When a
// rule covers it, a dispatch event follows the create event (actor
// "system:dispatch", automatic, with the rule id, the one-line Chinese
// explanation as note and the deadlines); its idempotency key
// "dispatch/<id>/1" and the expected version 1 make a retried create or
// two racing nodes dispatch it once. When no rule covers it the case stays
// received — the dispatchers' manual queue — and a note event (key
// "dispatch/<id>/manual") records the near misses. Because cases.Apply
// merges the deadlines of any event, that note also carries the dispatch
// deadline when a policy sets one: the note is the only event that both
// explains why the case waits and starts its dispatch clock.
//
// # Recategorise
//
// A dispatcher corrects a case's category with the recategorise action
// (cases: received, dispatched, accepted, in_progress, returned). When the
// case is in the dispatch queue (received or returned), the workflow runs
// the responsibility list on the new category and, when a rule covers it,
// dispatches automatically right after — except a returned case whose rule
// would send it straight back to the unit that returned it, which stays
// for the dispatcher. A case with a unit keeps it: recategorising does not
// move work (reassign does). A recategorise after the classifier's
// suggestion is a correction ([Workflow.Corrections]), and closed cases
// are training examples labelled by their final category
// ([Workflow.ClosedCases]).
//
// # Deadlines
//
// Dispatch, reassign and reopen start sign_off, on_site, resolve and reply
// at the event's instant on the lead unit's calendar (calendar.Official of
// the unit's Schedule, cached per schedule). The dispatch clock runs on the
// dispatch centre's calendar from creation, and again from a return. When a
// pause ends (resume, approve or refuse an extension) each running deadline
// is moved by the paused time: a deadline still equal to its policy's is
// recomputed with sla.Deadline and every closed pause; any other (an
// approver's, a dispatcher's) keeps its net budget. An approved extension's
// resolve deadline is the approver's.
//
// # Rules as data
//
// The responsibility list is the store document "dispatch/rules" (YAML) and
// the units "dispatch/units" (YAML); without them the embedded demo data
// (or Options.Engine) serves. [Workflow.PutRules] validates a new list with
// the dispatch loaders and NewEngine, stores it with optimistic
// concurrency and swaps the engine atomically, without a restart. Other
// nodes over the same database pick the new version up by polling the
// document's version ([Workflow.Run], every Options.PollInterval, 5 s by
// default; [Workflow.Refresh] checks once): a read of one small row, cheap
// enough that no notification channel is needed.
package workflow
