package open311

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"yiwang/internal/cases"
)

// Request is a service request as GET requests answers it. Optional
// fields are null in JSON (omitted in XML) when unknown.
type Request struct {
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       *string  `json:"status_notes" xml:"status_notes,omitempty"`
	ServiceName       *string  `json:"service_name" xml:"service_name,omitempty"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       *string  `json:"description" xml:"description,omitempty"`
	AgencyResponsible *string  `json:"agency_responsible" xml:"agency_responsible,omitempty"`
	ServiceNotice     *string  `json:"service_notice" xml:"service_notice,omitempty"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   *string  `json:"updated_datetime" xml:"updated_datetime,omitempty"`
	ExpectedDatetime  *string  `json:"expected_datetime" xml:"expected_datetime,omitempty"`
	Address           *string  `json:"address" xml:"address,omitempty"`
	AddressID         *string  `json:"address_id" xml:"address_id,omitempty"`
	Zipcode           *string  `json:"zipcode" xml:"zipcode,omitempty"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          *string  `json:"media_url" xml:"media_url,omitempty"`
}

// The Open311 statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// closedStates are the lifecycle states answered as closed. GeoReport v2's
// closed means "resolved": a case the unit has resolved (办结) is closed
// from then on, through callback (回访) and closing (结案); voided (作废)
// and merged (合并) cases are closed too (by their state alone: view
// answers a merged case by the case it is handled with). A reopened case
// (重办) is open again. Every other state is open.
var closedStates = []cases.State{cases.StateResolved, cases.StateVerified, cases.StateClosed, cases.StateMerged, cases.StateVoided}

// openStates are the states answered as open.
var openStates = []cases.State{cases.StateReceived, cases.StateDispatched, cases.StateAccepted, cases.StateInProgress,
	cases.StateReturned, cases.StateSuspended}

// StatusOf maps a lifecycle state to open or closed.
func StatusOf(s cases.State) string {
	for _, c := range closedStates {
		if s == c {
			return StatusClosed
		}
	}
	return StatusOpen
}

// view renders a case for GET. The reporter's contact never appears;
// phone numbers and e-mail addresses typed into the description are
// masked, and the Open311 trailer is cut off. handler is the case a
// merged c is handled with (handlers.of), nil for any other case: a
// merged case answers with its handler's live state (mergedStatus), unit,
// resolve deadline and last update, since that is where its work happens.
func (s *Server) view(c, handler *cases.Case) Request {
	v := Request{
		ServiceRequestID: c.ID, Status: statusOf(c), ServiceCode: c.Category,
		RequestedDatetime: formatTime(c.CreatedAt), StatusNotes: nonEmpty(statusNotes(c)),
		ServiceName: nonEmpty(s.catalog.categoryName(c.Category)),
	}
	unit, due, updated := c.Unit, c.Deadlines.Resolve, c.UpdatedAt
	if handler != nil {
		status, notes := mergedStatus(c, handler)
		v.Status, v.StatusNotes = status, nonEmpty(notes)
		unit, due = handler.Unit, handler.Deadlines.Resolve
		if handler.State == cases.StateVoided {
			unit, due = "", nil
		}
		if handler.UpdatedAt.After(updated) {
			updated = handler.UpdatedAt
		}
	}
	text, fields := c.Description, map[string]string(nil)
	if c.Channel == cases.ChannelOpen311 {
		text, fields = splitTrailer(text)
	}
	v.Description = nonEmpty(maskContacts(truncate4000(text)))
	if unit != "" {
		v.AgencyResponsible = nonEmpty(s.unitName(unit))
	}
	if svc, ok := s.catalog.Service(c.Category); ok {
		v.ServiceNotice = nonEmpty(svc.Notice())
	}
	if !updated.IsZero() {
		v.UpdatedDatetime = nonEmpty(formatTime(updated))
	}
	if due != nil {
		v.ExpectedDatetime = nonEmpty(formatTime(*due))
	}
	v.Address = nonEmpty(s.address(c.Location))
	v.AddressID = nonEmpty(fields["address_id"])
	if c.Location.Lat != nil && c.Location.Lon != nil {
		lat, lon := *c.Location.Lat, *c.Location.Lon
		v.Lat, v.Long = &lat, &lon
	}
	for _, a := range c.Attachments {
		if a.Name == mediaName {
			v.MediaURL = nonEmpty(a.URL)
			break
		}
	}
	return v
}

// statusOf is c's status by c alone, for a case view has no handler
// for. A merged case whose parent cannot be read is open until the
// parent's official reply has been relayed to it (the platform appends
// relay 转告 when the parent is resolved), closed from then on.
func statusOf(c *cases.Case) string {
	if c.State == cases.StateMerged && c.ParentID != "" {
		if c.Reply == "" {
			return StatusOpen
		}
		return StatusClosed
	}
	return StatusOf(c.State)
}

// statusNotes explains the state: the official answer once there is one
// (for a merged case, its parent's, relayed to it), else the state in
// Chinese and English.
func statusNotes(c *cases.Case) string {
	switch {
	case c.Reply != "":
		return c.Reply
	case c.State == cases.StateMerged && c.ParentID != "":
		return "已合并至 " + c.ParentID + "，随主件办理 (merged into " + c.ParentID + " and handled with it)"
	case c.State.Label() != "":
		return c.State.Label() + " (" + string(c.State) + ")"
	}
	return ""
}

// address is the location's address, or else its administrative chain
// from the most specific area to the city (names of generated areas end
// in "(生成)").
func (s *Server) address(l cases.Location) string {
	if l.Address != "" {
		return l.Address
	}
	var parts []string
	for _, code := range []string{l.Community, l.Street, l.District} {
		if a, ok := s.geo.Area(code); ok && code != "" {
			parts = append(parts, a.Name)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(append(parts, "武汉市"), ", ")
}

var (
	mobileRe = regexp.MustCompile(`1[3-9]\d{9}`)
	emailRe  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
)

// maskContacts hides mobile numbers (138****5678) and e-mail addresses
// (a***@example.com) written into free text.
func maskContacts(s string) string {
	s = mobileRe.ReplaceAllStringFunc(s, func(m string) string { return m[:3] + "****" + m[7:] })
	return emailRe.ReplaceAllStringFunc(s, func(m string) string {
		at := strings.IndexByte(m, '@')
		return m[:1] + "***" + m[at:]
	})
}

// truncate4000 cuts text to the 4,000 characters GeoReport v2 allows.
func truncate4000(s string) string {
	if utf8.RuneCountInString(s) <= maxDescription {
		return s
	}
	return string([]rune(s)[:maxDescription-1]) + "…"
}
