package cases

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is how a case reached the city.
type Channel string

// The channels a case can come from.
const (
	ChannelHotline    Channel = "hotline"    // 12345 热线
	ChannelWeb        Channel = "web"        // 网站
	ChannelApp        Channel = "app"        // 移动端
	ChannelOpen311    Channel = "open311"    // Open311 GeoReport v2
	ChannelGrid       Channel = "grid"       // 网格员上报
	ChannelEnterprise Channel = "enterprise" // 企呼我应
	ChannelSensor     Channel = "sensor"     // 城市体征告警
	ChannelOther      Channel = "other"
)

// Channels lists every valid channel.
var Channels = []Channel{ChannelHotline, ChannelWeb, ChannelApp, ChannelOpen311, ChannelGrid, ChannelEnterprise, ChannelSensor, ChannelOther}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	for _, k := range Channels {
		if c == k {
			return true
		}
	}
	return false
}

// Severity grades how urgent a case is; tiered response (分级响应) keys on it.
type Severity string

// The severities, from least to most urgent.
const (
	SeverityNormal   Severity = "normal"   // 一般
	SeverityUrgent   Severity = "urgent"   // 紧急
	SeverityCritical Severity = "critical" // 特急
)

// Severities lists every valid severity, least urgent first.
var Severities = []Severity{SeverityNormal, SeverityUrgent, SeverityCritical}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool {
	return s == SeverityNormal || s == SeverityUrgent || s == SeverityCritical
}

// Location is where a case is. Lat/Lon are WGS84 and optional (a hotline call
// may give only an address); the administrative chain is filled in by
// geography when the point is known.
type Location struct {
	Lat       *float64 `json:"lat,omitempty"`
	Lon       *float64 `json:"lon,omitempty"`
	Address   string   `json:"address,omitempty"`
	District  string   `json:"district,omitempty"`
	Street    string   `json:"street,omitempty"`
	Community string   `json:"community,omitempty"`
	Grid      string   `json:"grid,omitempty"`
}

// Reporter is the person or organisation who raised a case. Contact details
// are stored in full and masked in responses unless the caller may see them.
type Reporter struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	// OrgCode is an enterprise's unified social credit code.
	OrgCode string `json:"org_code,omitempty"`
}

// Masked returns a copy with phone and e-mail partly hidden (138****5678).
func (r Reporter) Masked() Reporter {
	r.Phone = maskMiddle(r.Phone, 3, 4)
	if at := strings.IndexByte(r.Email, '@'); at > 0 {
		r.Email = maskMiddle(r.Email[:at], 1, 0) + r.Email[at:]
	}
	return r
}

func maskMiddle(s string, keepHead, keepTail int) string {
	rs := []rune(s)
	if len(rs) <= keepHead+keepTail {
		return strings.Repeat("*", len(rs))
	}
	for i := keepHead; i < len(rs)-keepTail; i++ {
		rs[i] = '*'
	}
	return string(rs)
}

// Attachment is a reference to a stored file (photo, recording, document).
type Attachment struct {
	URL    string `json:"url"`
	Name   string `json:"name,omitempty"`
	Type   string `json:"type,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// Deadlines are the due instants of a case's clocks (SLA), set when the
// case is dispatched, reassigned, reopened or granted an extension.
type Deadlines struct {
	// Dispatch: 受理 → 派单.
	Dispatch *time.Time `json:"dispatch,omitempty"`
	// SignOff: 派单 → 签收.
	SignOff *time.Time `json:"sign_off,omitempty"`
	// OnSite: arrival on site (urgent cases).
	OnSite *time.Time `json:"on_site,omitempty"`
	// Resolve: → 办结.
	Resolve *time.Time `json:"resolve,omitempty"`
	// Reply: the answer to the reporter (enterprise requests).
	Reply *time.Time `json:"reply,omitempty"`
}

// merge sets every deadline that d sets.
func (x *Deadlines) merge(d *Deadlines) {
	if d == nil {
		return
	}
	for _, f := range []struct {
		dst **time.Time
		src *time.Time
	}{
		{&x.Dispatch, d.Dispatch}, {&x.SignOff, d.SignOff}, {&x.OnSite, d.OnSite}, {&x.Resolve, d.Resolve}, {&x.Reply, d.Reply},
	} {
		if f.src != nil {
			t := *f.src
			*f.dst = &t
		}
	}
}

// Pause is an interval in which a case's clocks stand still: while it is
// suspended (挂起) or an extension request (延期) is pending. End is nil
// while the pause lasts.
type Pause struct {
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	Reason Action     `json:"reason"`
}

// Summons is one unit called to a case by 吹哨报到: it must report
// (acknowledge) by Due.
type Summons struct {
	Unit       string     `json:"unit"`
	Due        time.Time  `json:"due"`
	By         string     `json:"by"`
	ReportedAt *time.Time `json:"reported_at,omitempty"`
}

// Case is the current state of one case, derived from its events by Replay.
type Case struct {
	ID          string       `json:"id"`
	Channel     Channel      `json:"channel"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Category    string       `json:"category"`
	Location    Location     `json:"location"`
	Reporter    Reporter     `json:"reporter"`
	Severity    Severity     `json:"severity"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Tags        []string     `json:"tags,omitempty"`

	State State `json:"state"`
	// Resume is the state a suspended case returns to.
	Resume  State    `json:"resume_state,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	CoUnits []string `json:"co_units,omitempty"`
	// RuleID is the responsibility-list rule that chose Unit ("" when a
	// person chose it).
	RuleID string `json:"rule_id,omitempty"`
	// DispatchedAt is when the case last went to Unit (the return window
	// and the sign-off clock start here).
	DispatchedAt *time.Time `json:"dispatched_at,omitempty"`
	Deadlines    Deadlines  `json:"deadlines"`
	// Pauses are the intervals in which the clocks stood still, oldest first.
	Pauses []Pause `json:"pauses,omitempty"`
	// Summons are the units called to the case (吹哨报到).
	Summons          []Summons `json:"summons,omitempty"`
	ExtensionPending bool      `json:"extension_pending,omitempty"`
	ParentID         string    `json:"parent_id,omitempty"`
	Supervisions     int       `json:"supervisions,omitempty"`
	Returns          int       `json:"returns,omitempty"`
	Reopens          int       `json:"reopens,omitempty"`
	Satisfaction     string    `json:"satisfaction,omitempty"`
	Reply            string    `json:"reply,omitempty"`
	// Queue is the work list the case waits in beyond its state:
	// QueueLowConfidence while it is received and the classifier was
	// unsure of its category; "" otherwise.
	Queue Queue `json:"queue,omitempty"`
	// Suggestions are the categories the classifier proposed for the case
	// (at most MaxSuggestions, most probable first), from its last
	// classification note; they stay after the case leaves the queue.
	Suggestions []Suggestion `json:"suggestions,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is the sequence number of the last event applied.
	Version int `json:"version"`
}

// Open reports whether the case still needs work (not closed, merged or voided).
func (c *Case) Open() bool { return !c.State.Terminal() }

// Limits on the free-text fields of a case.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxTags        = 20
	MaxAttachments = 20
	MaxReason      = 2000 // payload.reason of a command, in characters
)

// NewCase is what intake supplies to create a case. Category validity is
// checked by the caller against the taxonomy; Validate checks the rest.
type NewCase struct {
	Channel     Channel      `json:"channel"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Category    string       `json:"category"`
	Location    Location     `json:"location"`
	Reporter    Reporter     `json:"reporter"`
	Severity    Severity     `json:"severity,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
}

// FieldError names the field of an input that is wrong and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid input")

// Is lets errors.Is(err, ErrInvalid) match a *FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Normalize fills defaults (severity normal) and trims text.
func (n *NewCase) Normalize() {
	n.Title = strings.TrimSpace(n.Title)
	n.Description = strings.TrimSpace(n.Description)
	if n.Severity == "" {
		n.Severity = SeverityNormal
	}
}

// Validate checks every field except the category's membership in the taxonomy.
func (n *NewCase) Validate() error {
	if !n.Channel.Valid() {
		return fieldErr("channel", "must be one of %v, got %q", Channels, n.Channel)
	}
	if err := checkText("title", n.Title, MaxTitle, true); err != nil {
		return err
	}
	if err := checkText("description", n.Description, MaxDescription, false); err != nil {
		return err
	}
	if n.Category == "" {
		return fieldErr("category", "is required")
	}
	if !n.Severity.Valid() {
		return fieldErr("severity", "must be one of %v, got %q", Severities, n.Severity)
	}
	if err := n.Location.Validate(); err != nil {
		return err
	}
	for name, v := range map[string]string{"reporter.name": n.Reporter.Name, "reporter.phone": n.Reporter.Phone, "reporter.email": n.Reporter.Email, "location.address": n.Location.Address} {
		if err := checkText(name, v, 500, false); err != nil {
			return err
		}
	}
	if len(n.Tags) > MaxTags {
		return fieldErr("tags", "at most %d tags, got %d", MaxTags, len(n.Tags))
	}
	for i, tag := range n.Tags {
		if err := checkText(fmt.Sprintf("tags[%d]", i), tag, 50, true); err != nil {
			return err
		}
	}
	if len(n.Attachments) > MaxAttachments {
		return fieldErr("attachments", "at most %d attachments, got %d", MaxAttachments, len(n.Attachments))
	}
	for i, a := range n.Attachments {
		if err := checkText(fmt.Sprintf("attachments[%d].url", i), a.URL, 2000, true); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks coordinates: both or neither, finite, in range.
func (l *Location) Validate() error {
	if (l.Lat == nil) != (l.Lon == nil) {
		return fieldErr("location", "lat and lon must be given together")
	}
	if l.Lat == nil {
		return nil
	}
	if lat := *l.Lat; math.IsNaN(lat) || lat < -90 || lat > 90 {
		return fieldErr("location.lat", "must be a WGS84 latitude between -90 and 90, got %v", lat)
	}
	if lon := *l.Lon; math.IsNaN(lon) || lon < -180 || lon > 180 {
		return fieldErr("location.lon", "must be a WGS84 longitude between -180 and 180, got %v", lon)
	}
	return nil
}

func checkText(field, s string, max int, required bool) error {
	if required && s == "" {
		return fieldErr(field, "is required")
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fieldErr(field, "is %d characters long, at most %d allowed", n, max)
	}
	if strings.ContainsRune(s, 0) {
		return fieldErr(field, "contains a NUL character")
	}
	return nil
}
