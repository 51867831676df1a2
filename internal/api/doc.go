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
// problem), the units and the return counts. The list filter
// queue=low_confidence, manual, returned or arbitration names the
// dispatchers' queues.
//
// Channel intake (routes in hotline*.go, calls.go, grid*.go, enterprise.go):
//   - POST /api/v1/hotline/cases: a 12345 agent's case, the caller's phone
//     required; GET /api/v1/hotline/context lists the caller's cases of the
//     last year and the open cases within NearbyMetres, in the same grid or
//     at the same address, so that a repeated call is recorded on its case
//     (POST /api/v1/cases/{id}/calls, a note event whose caller phone is
//     masked like a reporter's) instead of starting a new one.
//   - POST /api/v1/grid/reports: a grid inspector's multipart report with
//     photos (Options.Attachments: type by content, Exif stripped); the
//     position may come from a photo's GPS; a report outside the
//     inspector's own grid is accepted and tagged outside_own_grid; with
//     fixed_on_site (随手办) the case is taken to closed at once by the
//     inspector through workflow transitions.
//   - POST /api/v1/enterprise/requests (unified social credit code
//     required and checked) and GET /api/v1/enterprise/{code}/cases.
//
// The store cannot filter by phone, organisation code or address, so those
// lookups read at most maxScan cases and say when they stopped early.
//
// The citizen's side: GET /api/v1/public/cases/{id} with the phone on the
// case or the lookup token of its create response (an HMAC of the case id
// under Options.LookupSecret; given only for cases without a phone) shows
// the status, the official reply and a timeline without notes, staff or
// contacts. POST …/rating rates the answer once per resolution: the verify
// transition (or a note, when staff already recorded their callback — 回访
// by staff is the verify transition with payload.satisfaction); an
// unsatisfied rating then reopens (重办) the case.
//
// The package does no storage of its own: it validates and decodes requests,
// then calls the workflow or a store.Store, which judges transitions with
// cases.Decide.
package api
