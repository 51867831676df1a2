// Package ratelimit owns per-client request rate limits: a token bucket for
// each client (an API key the caller vouches for, else the remote IP),
// bounded memory (idle and least recently seen clients are evicted), and
// HTTP middleware that answers 429 Too Many Requests with Retry-After in
// whole seconds and a body written by the caller's Deny function, so /api
// answers with problem+json and /open311 with an Open311 error list.
//
// Time is an input: Limiter.Allow takes the instant, and the middleware
// takes a clock, so the tests drive buckets with an injected clock.
package ratelimit
