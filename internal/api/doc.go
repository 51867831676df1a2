// Package api owns the HTTP API for cases: creating a case (with safe
// retries through Idempotency-Key), reading and listing cases, moving a case
// through its lifecycle (with optimistic concurrency through If-Match), its
// history, the actions allowed on it now, the category taxonomy, a health
// check and the OpenAPI 3.1 document describing all of it.
//
// Every route is listed once, in the table in routes.go, which both
// registers the handlers and is checked against the embedded openapi.json by
// the tests. Every error is an RFC 9457 problem (application/problem+json)
// with a stable type URI (see the Problem* constants), written by one
// responder that logs server errors once.
//
// Reporters' phone numbers and e-mail addresses are masked (138****5678) in
// every response, including the create events in a case's history, unless
// the request carries one of Options.RevealTokens as a bearer token.
//
// With Options.Workflow (workflow.Workflow, behind the small Workflow
// interface) creates and transitions go through the case workflow —
// automatic dispatch, SLA deadlines, the return window — every case
// response carries its clocks (time left, green/yellow/red), and the
// dispatch routes serve a case's routing explanation, the responsibility
// list (GET as YAML, JSON or CSV; PUT with If-Match, 422 listing every
// problem), the units and the return counts. The list filter queue=manual,
// returned or arbitration names the dispatchers' queues.
//
// The package does no storage of its own: it validates and decodes requests,
// then calls the workflow or a store.Store, which judges transitions with
// cases.Decide.
package api
