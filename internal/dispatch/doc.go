// Package dispatch owns the handling units (处置单位) and the responsibility
// list (权责清单) that decide which unit handles a case, and why.
//
// A [Directory] holds the units as a tree: each unit names its supervising
// unit (Parent), which is also the escalation chain ([Directory.Ancestors]).
// A [Rule] says that cases of a category, in an area, optionally of a
// severity and within a time window, are led (主办) by one unit with
// assisting units (协办). An [Engine] compiles a Directory and a rule list
// into an immutable index and answers [Engine.Decide] for a [Query].
//
// # Codes
//
// Category codes have 2 digits per level: "01", "0103", "010302"; the
// wildcard "*" (depth 0) covers every category. A rule's category covers a
// case's category when it is a prefix of it.
//
// Area codes follow the national division codes: the city "420100" (6
// digits ending in "00"; it covers every code starting with "4201"), a
// district "420106" (6 digits), a street "420106002" (9), a community (12)
// and a grid (15). A rule's area covers a case when it is a prefix of the
// deepest (longest) code of the case's chain; the other codes of the chain
// are expected to be its ancestors and are not consulted.
//
// # Precedence
//
// Among the rules that match a case the most specific one wins. Specificity
// is the tuple
//
//	(category depth 0..3, area level 1..5, severity set, window set)
//
// compared lexicographically, category first: a rule on a deeper category
// beats any rule on a shallower category whatever their areas, as in the
// usual 权责清单 practice where the kind of matter decides the department
// and the place only decides which branch of it. Between two rules on the
// same category the one on the smaller area wins; then a rule that names a
// severity beats one that does not; then a rule with a time window beats
// one without.
//
// Validation refuses two rules of equal specificity that can match the same
// case (same category, same area, same or unset severity, overlapping
// windows), so a decision never depends on rule order. A case no rule
// covers is not dropped: its Decision has Manual set and goes to the
// dispatchers' manual queue.
//
// # Time
//
// Windows and schedules are read in China Standard Time (UTC+08:00, the
// Asia/Shanghai zone, which has had no daylight saving since 1991). A window
// "Mon-Fri 22:00-06:00" crosses midnight; its days are the days on which it
// starts, so it covers Friday 23:00 and Saturday 05:00 but not Monday 05:00.
// Working-day calendars (holidays, 调休) are not this package's concern.
//
// # Files
//
// Units load from YAML ([ReadUnitsYAML]); rules from YAML ([ReadRulesYAML])
// or CSV ([ReadRulesCSV], header id,category,area,severity,window,lead,co,note,
// co separated by '|'). Loaders check each record's syntax and report the
// file, line, rule id and field; [NewDirectory] and [NewEngine] check the
// whole (unknown units, cycles, jurisdiction, conflicts). The demo data in
// data/ ([DemoUnits], [DemoRules]) is generated for the demo and is not an
// official 权责清单.
package dispatch
