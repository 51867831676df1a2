// Package alarm owns the lifecycle of sensor alarms: a firing rule raises
// an alarm (active), a person may acknowledge it (acknowledged), and it
// clears when the rule stops firing (cleared). Each alarm opens exactly one
// case through the case workflow, with an idempotency key of its own, or,
// when the same rule's previous case is still open, adds a note to that
// case instead; clearing adds a note to the case.
//
// Deduplication and flap suppression: a rule has at most one open alarm; a
// rule firing again while its alarm is open only counts. An alarm stays
// active for at least MinHold: a clear within the hold is deferred and
// dropped if the rule fires again before the hold ends (counted as a
// suppressed flap). Together with the rules' hysteresis this keeps a value
// hovering at a level from opening a stream of cases.
//
// Case calls run on the Manager's own goroutine (Run), so the reading path
// never waits for the store; time is an input everywhere else.
//
// With Options.Storage the state outlives the process: Save writes a
// snapshot (synced), Run journals each case call before making it, Load
// reads the snapshot and replays the journal (see Manager.Save).
package alarm
