// Package storetest is the conformance suite every store.Store
// implementation must pass: Run drives a fresh store per subtest through
// creation, idempotency, the lifecycle, concurrency, listing, the event log,
// import and publishing, checking the behaviour the store package documents.
package storetest
