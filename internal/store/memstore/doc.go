// Package memstore is an in-memory store.Store for tests and demos: it
// passes the same conformance suite (storetest) as the SQLite and
// PostgreSQL stores, with the same ids, cursors, errors and publishing
// order, but it is not durable: everything is lost when the process ends.
//
// One mutex serialises writes, as the SQL stores' single writer does; a
// write that refuses (not found, version or idempotency conflict, illegal
// transition, invalid input) changes nothing. Cases and events are kept as
// JSON, as the SQL stores keep them, so every read decodes a fresh copy
// that shares no slice or pointer with the store or with other callers.
// View gives a second node over the same state, for tests of several
// nodes sharing one database.
package memstore
