package open311

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/store"
)

// created is one entry of a POST requests answer.
type created struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	Token            string  `json:"token" xml:"token"`
	ServiceNotice    *string `json:"service_notice" xml:"service_notice,omitempty"`
	AccountID        *string `json:"account_id" xml:"account_id,omitempty"`
}

func (s *Server) createRequest(r *http.Request, _ format, _ string) (int, any, any, error) {
	body, err := s.readForm(r)
	if err != nil {
		return 0, nil, nil, err
	}
	form, err := parseCreateForm(body, r.URL.Query())
	if err != nil {
		return 0, nil, nil, err
	}
	if form.JurisdictionID != "" && form.JurisdictionID != s.jurisdiction {
		return 0, nil, nil, fail(http.StatusNotFound, "jurisdiction_id %q is not served here; this endpoint serves %q",
			form.JurisdictionID, s.jurisdiction)
	}
	if len(s.keys) > 0 && !s.ValidKey(form.APIKey) {
		if form.APIKey == "" {
			return 0, nil, nil, fail(http.StatusForbidden, "api_key is required to create a service request")
		}
		return 0, nil, nil, fail(http.StatusForbidden, "invalid api_key received; cannot create the service request")
	}
	svc, n, err := s.newCase(form)
	if err != nil {
		return 0, nil, nil, err
	}
	now := s.now()
	c, err := s.createOnce(r, form, n, now)
	if err != nil {
		return 0, nil, nil, err
	}
	out := []created{{ServiceRequestID: c.ID, Token: tokenOf(c.ID), ServiceNotice: nonEmpty(svc.Notice()), AccountID: nonEmpty(form.AccountID)}}
	return http.StatusOK, out, requestsXML[created]{Requests: out}, nil
}

// readForm checks the media type and reads the body within the limit.
func (s *Server) readForm(r *http.Request) (string, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return "", fail(http.StatusBadRequest, "Content-Type %q is not supported; send application/x-www-form-urlencoded", ct)
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return "", fail(http.StatusBadRequest, "charset %q is not supported; send UTF-8", cs)
		}
	} else if r.ContentLength > 0 {
		return "", fail(http.StatusBadRequest, "the request has a body but no Content-Type; send application/x-www-form-urlencoded")
	}
	tooLarge := fail(http.StatusRequestEntityTooLarge, "the request body is larger than the limit of %d bytes", s.maxBody)
	if r.ContentLength > s.maxBody {
		return "", tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	if err != nil {
		return "", fail(http.StatusBadRequest, "the request body could not be read: %v", err)
	}
	if int64(len(b)) > s.maxBody {
		return "", tooLarge
	}
	return string(b), nil
}

// newCase checks the form against the service and builds the case.
func (s *Server) newCase(f createForm) (Service, cases.NewCase, error) {
	if f.ServiceCode == "" {
		return Service{}, cases.NewCase{}, fail(http.StatusBadRequest, "service_code is required; GET services.json lists them")
	}
	svc, ok := s.catalog.Service(f.ServiceCode)
	if !ok {
		return Service{}, cases.NewCase{}, fail(http.StatusBadRequest, "service_code %s is not a service here; GET services.json lists them",
			describeValue(f.ServiceCode))
	}
	p := &problems{status: http.StatusBadRequest}
	loc := s.location(f, p)
	attrLines := checkAttributes(svc, f, p)
	if f.MediaURL != "" {
		if u, err := url.Parse(f.MediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("media_url must be an absolute http or https URL")
		}
	}
	if f.Email != "" {
		if at := strings.IndexByte(f.Email, '@'); at < 1 || at == len(f.Email)-1 || strings.ContainsAny(f.Email, " <>") {
			p.add("email %s is not an e-mail address", describeValue(f.Email))
		}
	}
	if f.Phone != "" && strings.Trim(f.Phone, "0123456789+-() ") != "" {
		p.add("phone %s may hold only digits, spaces and + - ( )", describeValue(f.Phone))
	}
	if err := p.err(); err != nil {
		return svc, cases.NewCase{}, err
	}
	n := cases.NewCase{
		Channel: cases.ChannelOpen311, Title: title(svc.Name, f.Description), Category: svc.Code, Location: loc,
		Severity:    cases.SeverityNormal,
		Description: withTrailer(f.Description, f, attrLines),
		Reporter:    cases.Reporter{Name: personName(f.FirstName, f.LastName), Phone: f.Phone, Email: f.Email},
	}
	if f.MediaURL != "" {
		n.Attachments = []cases.Attachment{{URL: f.MediaURL, Name: mediaName}}
	}
	n.Normalize()
	if err := n.Validate(); err != nil {
		var fe *cases.FieldError
		if errors.As(err, &fe) {
			return svc, n, fail(http.StatusBadRequest, "%s %s", fe.Field, fe.Reason)
		}
		return svc, n, err
	}
	return svc, n, nil
}

// mediaName names the attachment holding a request's media_url; only
// attachments of that name are published as media_url.
const mediaName = "media_url"

// location resolves the request's place: lat/long (located in the city's
// administrative chain; a point outside Wuhan is refused), or an address
// string or address id alone (kept without a chain, so the case waits for
// a dispatcher unless a rule covers the whole city).
func (s *Server) location(f createForm, p *problems) cases.Location {
	loc := cases.Location{Address: f.AddressString}
	switch {
	case (f.Lat == nil) != (f.Long == nil):
		p.add("lat and long must be given together")
		return loc
	case f.Lat == nil:
		if f.AddressString == "" && f.AddressID == "" {
			p.add("a location is required: lat and long, or address_string, or address_id")
		}
		return loc
	}
	lat, lon := *f.Lat, *f.Long
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		p.add("lat %v, long %v is not a WGS84 point (lat -90…90, long -180…180)", lat, lon)
		return loc
	}
	ch, err := s.geo.Locate(lat, lon)
	if errors.Is(err, geo.ErrOutside) {
		p.add("the point lat %.6f, long %.6f is outside Wuhan; this endpoint serves only places inside the city", lat, lon)
		return loc
	}
	if err != nil {
		p.add("lat %v, long %v: %v", lat, lon, err)
		return loc
	}
	loc.Lat, loc.Lon = &lat, &lon
	loc.District, loc.Street, loc.Community, loc.Grid = ch.District.Code, ch.Street.Code, ch.Community.Code, ch.Grid.Code
	return loc
}

// checkAttributes checks the attribute values against the service and
// returns them as "attribute[code]: value" lines for the case.
func checkAttributes(svc Service, f createForm, p *problems) []string {
	known := map[string]bool{}
	var lines []string
	for _, a := range svc.Attributes() {
		known[a.Code] = true
		vs := f.Attributes[a.Code]
		if !a.Variable {
			if len(vs) > 0 {
				p.add("attribute[%s] (%s) is informational and takes no value", a.Code, a.Description)
			}
			continue
		}
		if len(vs) == 0 {
			if a.Required {
				p.add("attribute[%s] (%s) is required for service %s", a.Code, a.Description, svc.Code)
			}
			continue
		}
		if len(vs) > 1 && a.Datatype != DatatypeMultiValueList {
			p.add("attribute[%s] (%s) takes one value, got %d", a.Code, a.Description, len(vs))
			continue
		}
		shown, ok := checkValue(a, vs, p)
		if ok {
			lines = append(lines, fmt.Sprintf("attribute[%s] %s: %s", a.Code, a.Description, shown))
		}
	}
	for code := range f.Attributes {
		if !known[code] {
			p.add("attribute[%s] is not an attribute of service %s; GET services/%s.json lists them", code, svc.Code, svc.Code)
		}
	}
	return lines
}

// checkValue checks values of one attribute by its datatype and returns
// them as shown to staff.
func checkValue(a Attribute, vs []string, p *problems) (string, bool) {
	bad := func(format string, args ...any) (string, bool) {
		p.add("attribute[%s] (%s) "+format, append([]any{a.Code, a.Description}, args...)...)
		return "", false
	}
	switch a.Datatype {
	case DatatypeString:
		if utf8.RuneCountInString(vs[0]) > maxAttrValue || strings.ContainsAny(vs[0], "\r\n") {
			return bad("must be one line of at most %d characters", maxAttrValue)
		}
	case DatatypeNumber:
		if x, err := strconv.ParseFloat(vs[0], 64); err != nil || x != x || x > 1e300 || x < -1e300 {
			return bad("must be a number, got %s", describeValue(vs[0]))
		}
	case DatatypeDatetime:
		t, _, err := parseW3C(vs[0])
		if err != nil {
			return bad("must be a W3C datetime (e.g. 2026-03-02T09:30:00+08:00), got %s", describeValue(vs[0]))
		}
		return formatTime(t), true
	case DatatypeSingleValueList, DatatypeMultiValueList:
		names := map[string]string{}
		for _, v := range a.Values {
			names[v.Key] = v.Name
		}
		seen := map[string]bool{}
		var shown []string
		for _, v := range vs {
			name, ok := names[v]
			if !ok {
				return bad("has no choice %s; the keys are listed by GET services/{code}", describeValue(v))
			}
			if seen[v] {
				return bad("names %s twice", describeValue(v))
			}
			seen[v] = true
			shown = append(shown, name+" ("+v+")")
		}
		return strings.Join(shown, ", "), true
	}
	return strings.ReplaceAll(vs[0], "\n", " "), true
}

// createOnce creates the case, unless it is a retry (see the package doc):
// a request carrying a device_id is keyed by its fingerprint, so the same
// body from the same device within the window answers the first case.
func (s *Server) createOnce(r *http.Request, f createForm, n cases.NewCase, now time.Time) (cases.Case, error) {
	req := store.CreateRequest{Case: n, Actor: s.actor(f.APIKey), At: now}
	var fp string
	if f.DeviceID != "" {
		sum := sha256.Sum256([]byte(f.canonical))
		fp = hex.EncodeToString(sum[:])
		if id, ok := s.recentCase(fp, now); ok {
			c, err := s.store.Get(r.Context(), id)
			if err == nil {
				return c, nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return c, err
			}
		}
		bucket := now.UnixNano() / int64(s.window)
		req.IdempotencyKey = "open311/" + fp[:32] + "/" + strconv.FormatInt(bucket, 10)
		req.RequestHash = fp
	}
	c, _, err := s.creator.Create(r.Context(), req)
	if errors.Is(err, store.ErrIdempotencyConflict) {
		return c, fail(http.StatusConflict, "this request collides with an earlier one; send it again")
	}
	if err != nil {
		var fe *cases.FieldError
		if errors.As(err, &fe) {
			return c, fail(http.StatusBadRequest, "%s %s", fe.Field, fe.Reason)
		}
		return c, fmt.Errorf("creating the case: %w", err)
	}
	if fp != "" {
		s.remember(fp, c.ID, now)
	}
	return c, nil
}

// actor names the client in the case history without revealing its key.
func (s *Server) actor(key string) string {
	if key == "" || !s.ValidKey(key) {
		return "open311:anonymous"
	}
	sum := sha256.Sum256([]byte(key))
	return "open311:key-" + hex.EncodeToString(sum[:4])
}

// title is the case title: the service and the start of the description.
func title(service, description string) string {
	line, _, _ := strings.Cut(description, "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return service
	}
	return truncate(service+"："+line, 80)
}

// personName joins first and last name: family name first, without a
// space, when both are Chinese; "first last" otherwise.
func personName(first, last string) string {
	switch {
	case first == "" || last == "":
		return strings.TrimSpace(last + first)
	case isHan(first) && isHan(last):
		return last + first
	}
	return first + " " + last
}

func isHan(s string) bool {
	for _, r := range s {
		if r < 0x2E80 {
			return false
		}
	}
	return true
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
