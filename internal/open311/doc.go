// Package open311 owns Yiwang's Open311 GeoReport v2 endpoint, served under
// /open311/v2/ so that existing Open311 clients work unchanged:
//
//	GET  services.{json,xml}                 the services
//	GET  services/{service_code}.{json,xml}  a service definition (attributes)
//	POST requests.{json,xml}                 create a service request (form-encoded)
//	GET  requests.{json,xml}                 search requests
//	GET  requests/{id}.{json,xml}            one request
//	GET  tokens/{token}.{json,xml}           the request id of a token
//
// Every response is JSON or XML by the path's extension; every error is the
// GeoReport error list ([{code, description}], in XML
// <errors><error><code/><description/></error></errors>) whose code is the
// HTTP status: 400 for missing or invalid parameters (all problems of a
// request are listed at once), 403 for a missing or invalid api_key, 404
// for an unknown service, request or token, or another jurisdiction, 405
// for a wrong method, 413 for a body over 64 KiB, 429 when rate limited.
//
// Services are the taxonomy's level-3 categories (517): the level the
// 12345 centre codes cases with, so the most specific dispatch rule
// applies; a level-2 service would make every case generic. group is the
// level-1 name (15 groups keep a client's picker short), description the
// full path, keywords the level-2 name and the extras' keywords. Names
// repeated inside a group ("其他") carry their level-2 name in brackets.
// Attributes, keywords and service notices are data: data/services.yaml,
// embedded and validated strictly when the server is built; metadata is
// true exactly when a service has attributes.
//
// Creating. POST requests goes through the case workflow (the one intake
// path: stored, then dispatched) with channel open311. lat/long are
// located in Wuhan's administrative chain; a point outside the city is a
// 400 naming the point. address_string or address_id alone are accepted
// without a chain. Required attributes, datatypes (number, W3C datetime,
// list keys), media_url (absolute http or https, at most 2,000
// characters) and description (at most 4,000 characters) are checked; the
// reporter's name, phone and e-mail become the case's reporter. Fields the
// case model has no place for — address_id, account_id, device_id and the
// attribute values — are appended to the case description after a
// "—— Open311 ——" line, where staff read them; GET cuts that block off.
// The answer is [{service_request_id, token, service_notice, account_id}]:
// creation is synchronous, so the id comes at once, and the token is the
// id with a "t-" prefix (derived, not stored) for clients that use tokens.
//
// Retries. A POST carrying a device_id is identified by a fingerprint: the
// SHA-256 of its whole form (query and body, keys sorted, api_key
// included). The same fingerprint within DedupWindow (10 minutes) answers
// the first request's id and creates nothing: across every node sharing
// the database when both attempts fall in the same aligned window (the
// fingerprint and window number are the store's idempotency key), and on
// the node that served the first attempt for the full window after it.
// So a retry straddling a window boundary on another node may create a
// second case. Without a device_id nothing is deduplicated.
//
// Status. GeoReport's closed means resolved: a case resolved (办结),
// verified (回访) or closed (结案) is closed, and so are voided (作废) ones;
// a reopened case is open again. A merged case (合并) answers with the
// live state of the case it is handled with (its parent, or up a chain of
// merges the first case not merged): open while that case is handled,
// closed with its reply once it is resolved, open when it was voided (the
// platform detaches the merged case to be handled on its own; after that
// the case answers with its own state); agency_responsible,
// expected_datetime and updated_datetime are that case's too, and
// status=open or closed selects merged cases by that status. A merged
// case whose parent cannot be found answers by its own relays: open until
// the parent's reply was relayed to it. status_notes is the
// official reply once there is one, else the state's name;
// agency_responsible the handling unit's name; expected_datetime the
// resolve deadline; times are in +08:00. address is the given address or
// the administrative chain's names.
//
// Privacy. GET responses never carry the reporter's name, phone, e-mail,
// account_id or device_id; mobile numbers and e-mail addresses typed into
// a description are masked; media_url is published only for media sent
// through Open311. Requests of every channel are listed.
//
// Searching. GET requests takes service_request_id (a comma list, at most
// 100; when given the other parameters are ignored), service_code (a comma
// list; a level-1 or level-2 code selects its subtree), status (open,
// closed or both), start_date and end_date (W3C datetimes; a date alone is
// a Wuhan day, and end_date includes its whole period). Without dates the
// range is the last 90 days; a range may not span more than 90 days; at
// most 1,000 requests are answered, newest first.
//
// jurisdiction_id is accepted on every call; a value other than
// Config.JurisdictionID is answered 404 (this endpoint has nothing of other
// jurisdictions), as multi-jurisdiction GeoReport servers do. api_key is
// required for POST when Config.APIKeys is set; with no keys configured,
// creation is open (a development setting, warned about at start).
package open311
