package open311

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// tokenPrefix starts every token.
const tokenPrefix = "t-"

// tokenOf is the token answered with a created request. Requests are
// created synchronously, so the token is the id in disguise, not a
// separate record: any node answers GET tokens/{token} from the case.
func tokenOf(id string) string { return tokenPrefix + id }

// tokenEntry answers GET tokens/{token}.
type tokenEntry struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

func (s *Server) getToken(r *http.Request, _ format, token string) (int, any, any, error) {
	notFound := fail(http.StatusNotFound, "no service request has the token %s", describeValue(token))
	id, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || id == "" {
		return 0, nil, nil, notFound
	}
	c, err := s.store.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Channel != cases.ChannelOpen311) {
		return 0, nil, nil, notFound
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading case %s: %w", id, err)
	}
	out := []tokenEntry{{ServiceRequestID: c.ID, Token: token}}
	return http.StatusOK, out, requestsXML[tokenEntry]{Requests: out}, nil
}
