// Package calendar owns the official working calendar used for every
// deadline in Yiwang: China's statutory public holidays and 调休 make-up
// working days (embedded from the State Council notices 2018–2026), a unit's
// working hours (a Schedule such as "08:30-12:00,14:00-17:30" or "24x7"),
// and the working-time arithmetic built on them (Add, Between, AddDays).
//
// All calendar arithmetic happens in Asia/Shanghai; the time zone database
// is embedded, so the package works on machines without zoneinfo.
//
// Working time is counted with a closed form rather than by stepping: the
// working days of the covered years are precomputed as a prefix count, and
// days outside the data are counted as ordinary Monday–Friday weeks, so
// Add, Between and AddDays cost O(1) whatever the distance. Years after
// LastYear have no official data; callers should warn when Covers is false.
//
// Working-day rule (AddDays, "n 个工作日"): the start is first moved to the
// next working instant (a request received outside working hours counts as
// received when the office next opens); the deadline is then the same clock
// time on the n-th following working day. Because the normalised start lies
// inside working hours and the target is a working day, the deadline is
// itself always working time. Example on 08:30-12:00,14:00-17:30: a request
// on Friday 2025-09-26 at 16:00 with 3 working days is due Tuesday
// 2025-09-30 16:00 (Sunday 2025-09-28 is a make-up working day); one
// received on Saturday 10:00 is normalised to Sunday 08:30 (make-up day) or,
// on an ordinary Saturday, to Monday 08:30.
//
// A Calendar is immutable and safe for concurrent use.
package calendar
