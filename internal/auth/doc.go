// Package auth owns identity and access: staff users (kept as store
// documents, so every node over one database sees the same users), their
// argon2id password hashes, sign-in sessions with CSRF tokens, lock-out
// after repeated failures, API tokens for machines, the sign-in audit, the
// roles, the policy table saying which role may use which route, and each
// user's data scope derived from the dispatch unit directory.
//
// Service.Middleware is the platform's one authorisation layer: it puts
// the signed-in Principal in the request context, answers 401 without a
// valid session or token, 403 to a role the policy table does not allow
// and 403 to a cookie-authenticated unsafe request without its CSRF token.
// The API asks the Principal for the data scope (lists, single cases),
// the actor of the events it records and whether personal data is shown.
//
// Citizens and enterprises are not users: their routes are public.
package auth
