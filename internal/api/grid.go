package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"yiwang/internal/attach"
	"yiwang/internal/cases"
)

// MaxGridPhotos is how many photo parts a grid report may carry (plus one
// after_photo).
const MaxGridPhotos = 9

// Tags the grid intake adds to a case.
const (
	TagOutsideOwnGrid = "outside_own_grid" // the place is not in the inspector's grid
	TagFixedOnSite    = "随手办"              // fixed by the inspector on the spot
)

// gridReport is the JSON "report" part of POST /api/v1/grid/reports.
type gridReport struct {
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Category    string         `json:"category"`
	Severity    cases.Severity `json:"severity,omitempty"`
	// Location may omit lat/lon when a photo carries an Exif GPS position.
	Location cases.Location `json:"location"`
	Tags     []string       `json:"tags,omitempty"`
	// Inspector is the grid inspector (网格员) reporting: the events' actor.
	Inspector string `json:"inspector"`
	Unit      string `json:"actor_unit,omitempty"`
	// Grid is the inspector's own grid (15-digit code). A report from
	// elsewhere is accepted and tagged outside_own_grid.
	Grid string `json:"grid"`
	// FixedOnSite (随手办): the inspector fixed it on the spot; an
	// after_photo part is required and the case is closed at once.
	FixedOnSite bool `json:"fixed_on_site,omitempty"`
	// Reply is what was done, for a case fixed on site.
	Reply string `json:"reply,omitempty"`
}

// gridReportResponse is the body of a successful grid report.
type gridReportResponse struct {
	Case caseView `json:"case"`
	// PositionFrom is "form" or "photo_exif".
	PositionFrom   string `json:"position_from"`
	OutsideOwnGrid bool   `json:"outside_own_grid"`
	FixedOnSite    bool   `json:"fixed_on_site"`
}

// defaultFixReply is the official reply of a case fixed on site without one.
const defaultFixReply = "网格员已现场处置完毕（随手办）。"

func (s *Server) createGridReport(w http.ResponseWriter, r *http.Request) {
	if s.attach == nil {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "grid reports need attachment storage, which this server does not have"))
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form, err := s.readGridForm(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rep gridReport
	if err := decodeJSONBytes(form.report, &rep); err != nil {
		s.fail(w, r, err)
		return
	}
	// Everything is checked before anything is stored.
	plan, err := s.planGridReport(r, &rep, form)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, p := range plan.photos {
		if err := s.attach.Save(r.Context(), p); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	c, created, err := s.submit(r.Context(), plan.n, rep.Inspector, rep.Unit, key, plan.hash)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rep.FixedOnSite {
		if c, err = s.fixOnSite(r.Context(), c, rep, plan); err != nil {
			s.fail(w, r, fmt.Errorf("case %s was created but not closed on site (retry with the same Idempotency-Key to finish): %w", c.ID, err))
			return
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	w.Header().Set("ETag", etag(c.Version))
	s.writeJSON(w, r, status, gridReportResponse{Case: s.viewCase(c, s.mayReveal(r)), PositionFrom: plan.positionFrom,
		OutsideOwnGrid: plan.outside, FixedOnSite: rep.FixedOnSite && c.State == cases.StateClosed})
}

// gridPlan is a checked grid report, ready to store.
type gridPlan struct {
	n            cases.NewCase
	hash         string
	photos       []attach.Prepared // before photos, then the after photo
	after        *attach.Prepared
	positionFrom string
	outside      bool
	fixUnit      string
}

// planGridReport checks the report and its photos and builds the case.
func (s *Server) planGridReport(r *http.Request, rep *gridReport, form gridForm) (gridPlan, error) {
	var plan gridPlan
	rep.Inspector, rep.Grid, rep.Reply = strings.TrimSpace(rep.Inspector), strings.TrimSpace(rep.Grid), strings.TrimSpace(rep.Reply)
	if login, _ := s.actorOf(r, "", ""); login != "" {
		rep.Inspector = login // the signed-in inspector reports, whatever the form says
	}
	if err := requireText("inspector", rep.Inspector); err != nil {
		return plan, err
	}
	if len(rep.Grid) != 15 || strings.Trim(rep.Grid, "0123456789") != "" {
		return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "grid", "grid (the inspector's own grid) must be a 15-digit grid code")
	}
	switch {
	case rep.FixedOnSite && form.after == nil:
		return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "after_photo", "a report fixed on site (fixed_on_site) needs an after_photo part")
	case !rep.FixedOnSite && form.after != nil:
		return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "after_photo", "after_photo is only for reports fixed on site (fixed_on_site: true)")
	case !rep.FixedOnSite && rep.Reply != "":
		return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "reply", "reply is only for reports fixed on site (fixed_on_site: true)")
	}
	var sums []string
	var atts []cases.Attachment
	for i, b := range form.photos {
		p, err := s.attach.Prepare(b)
		if err != nil {
			return plan, attachmentProblem(fmt.Sprintf("photo[%d]", i), err)
		}
		plan.photos = append(plan.photos, p)
		atts = append(atts, attachmentRef(p, fmt.Sprintf("现场照片 %d", i+1)))
		sums = append(sums, p.SHA256)
	}
	if form.after != nil {
		p, err := s.attach.Prepare(form.after)
		if err != nil {
			return plan, attachmentProblem("after_photo", err)
		}
		plan.photos = append(plan.photos, p)
		plan.after = &plan.photos[len(plan.photos)-1]
		atts = append(atts, attachmentRef(p, "处置后照片"))
		sums = append(sums, "after:"+p.SHA256)
	}
	loc := rep.Location
	plan.positionFrom = "form"
	if loc.Lat == nil && loc.Lon == nil {
		for _, p := range plan.photos {
			if p.GPS != nil {
				lat, lon := p.GPS.Lat, p.GPS.Lon
				loc.Lat, loc.Lon = &lat, &lon
				plan.positionFrom = "photo_exif"
				break
			}
		}
		if loc.Lat == nil {
			return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "location",
				"give location.lat and location.lon, or a photo whose Exif carries a GPS position")
		}
	}
	tags := slices.Clone(rep.Tags)
	if rep.FixedOnSite {
		tags = append(tags, TagFixedOnSite)
	}
	req := createRequest{NewCase: cases.NewCase{
		Channel: cases.ChannelGrid, Title: rep.Title, Description: rep.Description, Category: rep.Category,
		Location: loc, Reporter: cases.Reporter{Name: rep.Inspector}, Severity: rep.Severity, Attachments: atts, Tags: tags,
	}, Actor: rep.Inspector, Unit: rep.Unit}
	n, hash, err := s.checkIntake(r, &req, append(sums, rep.Grid, fmt.Sprint(rep.FixedOnSite), rep.Reply)...)
	if err != nil {
		return plan, err
	}
	if n.Location.Grid != "" && n.Location.Grid != rep.Grid {
		plan.outside = true
		n.Tags = append(n.Tags, TagOutsideOwnGrid)
		if len(n.Tags) > cases.MaxTags {
			return plan, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "tags",
				fmt.Sprintf("at most %d tags including the ones the grid intake adds", cases.MaxTags))
		}
	}
	if rep.FixedOnSite {
		if plan.fixUnit, err = s.streetUnit(rep.Grid, rep.Unit); err != nil {
			return plan, err
		}
	}
	plan.n, plan.hash = n, hash
	return plan, nil
}

// gridForm is the parts of a grid report.
type gridForm struct {
	report []byte
	photos [][]byte
	after  []byte
}

// readGridForm reads a multipart/form-data body: one "report" part (JSON),
// up to MaxGridPhotos "photo" parts and at most one "after_photo" part.
// Each file is bounded by the attachment limit, the report by the JSON
// body limit; nothing is written to disk.
func (s *Server) readGridForm(w http.ResponseWriter, r *http.Request) (gridForm, error) {
	var form gridForm
	ct := r.Header.Get("Content-Type")
	if mt, _, err := parseMediaType(ct); err != nil || mt != "multipart/form-data" {
		return form, newProblem(ProblemUnsupportedMediaType, http.StatusUnsupportedMediaType, "Content-Type",
			fmt.Sprintf("Content-Type %q is not supported; send multipart/form-data with a report part (JSON) and photo parts", ct))
	}
	fileMax := s.attach.MaxBytes()
	total := s.maxBody + (MaxGridPhotos+1)*(fileMax+4096)
	r.Body = http.MaxBytesReader(w, r.Body, total)
	mr, err := r.MultipartReader()
	if err != nil {
		return form, newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", "the multipart body cannot be read: "+err.Error())
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, errEOF) {
			break
		}
		if err != nil {
			return form, multipartProblem(err, total)
		}
		name := part.FormName()
		limit := fileMax
		if name == "report" {
			limit = s.maxBody
		}
		b, err := readLimited(part, limit)
		part.Close()
		if errors.Is(err, errPartTooLarge) {
			return form, newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, name,
				fmt.Sprintf("the %s part is larger than the limit of %d bytes", name, limit))
		}
		if err != nil {
			return form, multipartProblem(err, total)
		}
		switch {
		case name == "report" && form.report == nil:
			form.report = b
		case name == "photo" && len(form.photos) < MaxGridPhotos:
			form.photos = append(form.photos, b)
		case name == "after_photo" && form.after == nil:
			form.after = b
		case name == "report" || name == "after_photo":
			return form, newProblem(ProblemDuplicateField, http.StatusBadRequest, name, "the "+name+" part is given more than once")
		case name == "photo":
			return form, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "photo", fmt.Sprintf("at most %d photo parts", MaxGridPhotos))
		default:
			return form, newProblem(ProblemUnknownField, http.StatusBadRequest, name,
				fmt.Sprintf("the part %q is not part of a grid report; send report, photo and after_photo", name))
		}
	}
	if form.report == nil {
		return form, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "report", "the report part (JSON) is required")
	}
	return form, nil
}
