package open311

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is one entry of an Open311 error list: the HTTP status code and
// what is wrong.
type Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// apiError is a failed request: its status and every error found.
type apiError struct {
	status int
	errs   []Error
	cause  error // logged for server errors, never shown
}

func (e *apiError) Error() string {
	if len(e.errs) == 0 {
		return http.StatusText(e.status)
	}
	return e.errs[0].Description
}

// fail returns an error answered with status and one description.
func fail(status int, format string, args ...any) *apiError {
	return &apiError{status: status, errs: []Error{{Code: status, Description: fmt.Sprintf(format, args...)}}}
}

// problems collects the errors of one request, all with one status.
type problems struct {
	status int
	errs   []Error
}

func (p *problems) add(format string, args ...any) {
	p.errs = append(p.errs, Error{Code: p.status, Description: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was added.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return &apiError{status: p.status, errs: p.errs}
}

// asAPIError turns any error into the response for it: an *apiError as it
// is, anything else a 500 whose cause is logged.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	e := fail(http.StatusInternalServerError, "the server failed to handle the request; it has been logged")
	e.cause = err
	return e
}
