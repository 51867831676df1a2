// Package escalate owns overdue-case supervision (超时督办): a Scanner that
// finds every open, unpaused case with a deadline that has passed and appends
// a supervise event to it, one step further up the supervising chain for each
// reminder.
//
// Levels. A missed deadline is supervised first when it is Schedule.First
// overdue (default: at the deadline) and again every Schedule.Every (default
// 4 hours): level 1, 2, 3 … Level n goes to the n-th unit of the responsible
// unit's escalation chain (dispatch.Directory.Ancestors: level 1 → its
// supervising unit, level 2 → that unit's parent …). Past the top of the
// chain the top unit keeps receiving the reminders. Overdue time is wall-clock
// time since the deadline, less the time the case spent paused since then.
// Only the current level is appended: when no scanner ran for a while, the
// levels whose slots passed meanwhile are not appended after the fact (the
// note names the level, so a gap is visible).
//
// Tiered response (分级响应). Severity raises the chain: an urgent (紧急)
// case's first supervision goes one step higher than a normal one's, a
// critical (特急) case's two steps higher; later levels follow from there.
//
// Which unit's chain. The deadlines dispatch, sign_off, on_site, resolve and
// reply run against the case's unit (Case.Unit). A summoned unit's report
// clock (吹哨报到, clock "summons:<unit>") runs against the summoned unit,
// so a unit that has not reported by its due is escalated up its own chain.
// A case without a unit (not yet dispatched), a unit missing from the
// directory, or a unit at the top of its tree is still supervised: the
// supervision names no unit and its note says why.
//
// Exactly once. Each supervision carries the idempotency key
// "esc/<case>/<clock>/<level>/<due unix seconds>", so any number of scanners
// on any number of nodes sharing one store append it once; a deadline that
// moves (an approved extension, a re-dispatch) gets a new key and is
// escalated afresh from level 1. Each transition also names the case version
// it was planned on, so a case that changed meanwhile (accepted, resolved,
// suspended) is re-read and re-planned instead of being supervised for a
// deadline it no longer has. A scanner remembers the keys it has seen
// succeed while their case stays overdue, so steady-state scans write
// nothing.
//
// Paused cases (suspended, or an extension request pending) are not
// escalated at all, including their summons clocks: the store's DueBefore
// filter leaves them out, and the scanner checks again.
package escalate
