// Package review scores an official reply to a citizen message as an aid
// for the reviewers of replies (回复质量评价): how relevant it is to the
// message, how complete (a responsible unit, a concrete action, a date or
// time limit, a substantive explanation), how timely against the real reply
// delays of the embedded Wuhan-style messages, and flags weak replies. It
// is a heuristic screen for a person, not a verdict.
package review
