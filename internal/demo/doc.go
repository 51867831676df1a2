// Package demo owns the demo city: the embedded real citizen messages and
// the seeding that turns them into cases for `yiwang demo`.
//
// # Data
//
// data/messages.csv.gz holds 4,615 real messages of the 2020 TipDM Cup
// government-message data (see data/NOTICE for the source, the subset and
// the truncation of long bodies). [Messages] parses it; [ParseMessages]
// reads the same format from any reader.
//
// # Seeding
//
// [Seed] fills an empty store (it returns [ErrNotEmpty] otherwise) with one
// case per message, imported as whole histories ([store.Store.Import]).
// [Histories] builds them without a store. Every history is made of
// [cases.NewCreate] and commands judged by [cases.Decide], so it replays
// cleanly. Everything beyond the message text is GENERATED and labelled:
//
//   - Category: labelled rows keep their real first-level class; the others
//     get a guess from a keyword heuristic ([GuessLevel1]) and the tag
//     [TagCategoryGuessed]. Categories are level-1 codes ("01".."15").
//   - Position: the messages are anonymised and have no coordinates. A
//     [Locator] ([GeoLocator] over the geo index) draws a point inside a
//     district and fills the district/street/community/grid chain; the tag
//     [TagLocationGenerated] and the address suffix "（演示生成位置）" say so.
//     Messages naming an anonymised place "A1区".."A9市" go to a fixed,
//     arbitrary Wuhan district so that they cluster; the rest are spread by
//     the number of street units of each district.
//   - Time: the 2011–2020 times are mapped by rank into the SpanDays (60)
//     days before Now, keeping day order and time of day (see timeMap); the
//     real time is in the create event's note ("原始留言时间 …").
//   - Lifecycle: messages with an official reply are resolved with the REAL
//     reply (its real time and, when the text names it, the answering unit in
//     the note), after a real delay squeezed into the time left; most are
//     then called back and closed, some are still resolved or verified, and
//     unsatisfied callbacks (about 7%) are reopened. Messages without a reply
//     are left open in a state drawn by age (received, dispatched, accepted,
//     in progress, returned, suspended, with extensions), a few are voided
//     or merged into an earlier case with a similar title, and late ones are
//     often supervised (督办). Units come from a [Router] ([DispatchRouter]
//     over the dispatch rules, or [FallbackRouter]); deadlines from a
//     [DeadlineFunc] (default [DemoDeadlines]).
//
// One seed ([DefaultSeed]) drives every choice: the same options give the
// same histories.
//
// # Intake
//
// [Intake] takes a few messages of the support set (which the classifier
// never trains on; [IntakeMessages]) in again as NEW web cases through the
// workflow, once start-up training has ended, so that the demo shows
// classification at work: each is classified, then dispatched
// automatically or held in the low-confidence queue. Idempotency keys and
// the document [IntakeDocument] make it happen once per store.
package demo
