// Package storetest is the conformance suite every store.Store
// implementation must pass: Run drives a fresh store per subtest through
// creation, idempotency, the lifecycle, concurrency, listing, the event log,
// import, publishing, idempotent transitions, the deadline and returns
// filters, events by action and versioned documents, checking the behaviour
// the store package documents. RunShared drives two stores over one
// database, as two nodes sharing it.
package storetest
