// Package sla owns service-level policies as data and the deadline clocks
// built on them: which time limits apply to a case (dispatch 受理→派单,
// sign_off 派单→签收, on_site, resolve →办结, reply), when each clock is
// due given suspensions, and how far along it is (green/yellow/red).
//
// Policies are YAML (see default_policies.yaml, embedded and loaded by
// Default), parsed strictly: unknown fields are errors. A policy matches on
// an optional channel, category code prefix ("01", "0103", "010302") and
// severity. For each clock the most specific matching policy that defines
// that clock wins, so a general policy sets the baseline and specific ones
// override only the clocks they name. Specificity is lexicographic:
// severity set beats unset, then channel set beats unset, then the deeper
// category prefix wins. A critical case therefore gets the critical
// policy's clocks whatever its channel, and a channel's service promise beats
// a category rule. Two policies with equal specificity that can match the
// same case are rejected at load, naming both.
//
// A clock is a budget in one of two measures: "working" counts working time
// on the unit's calendar.Calendar ("1h working"; "3d working" means three
// working days under calendar.AddDays' rule), "calendar" counts wall-clock
// time ("30m calendar"). Pauses (suspension, extension pending) stop the
// clock: time inside a pause does not count, in the clock's own measure.
//
// Deadline and Clock.Status are pure functions of their inputs (now is an
// argument) and cost O(1) plus O(len(pauses)); they do not allocate unless
// the pauses are unsorted.
package sla
