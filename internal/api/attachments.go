package api

import (
	"errors"
	"net/http"
	"strconv"

	"yiwang/internal/attach"
	"yiwang/internal/cases"
)

// attachmentURL is where an attachment is served.
func attachmentURL(sum string) string { return "/api/v1/attachments/" + sum }

// attachmentRef is the case's reference to a stored upload.
func attachmentRef(p attach.Prepared, name string) cases.Attachment {
	return cases.Attachment{URL: attachmentURL(p.SHA256), Name: name, Type: p.Type, SHA256: p.SHA256}
}

// getAttachment serves a stored attachment with the type recognised from
// its content and nosniff. Attachments are immutable (named by their hash),
// so they may be cached for a long time, but only privately: a photo of a
// case is not public.
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) {
	if s.attach == nil {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "attachments are not configured on this server"))
		return
	}
	sum := r.PathValue("sha256")
	obj, err := s.attach.Get(r.Context(), sum)
	if errors.Is(err, attach.ErrBadSum) || errors.Is(err, attach.ErrNotFound) {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "no attachment with that SHA-256 (64 lower-case hexadecimal digits)"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", obj.Type)
	h.Set("Content-Length", strconv.Itoa(len(obj.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+obj.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(obj.Data)
	}
}

// attachmentProblem turns a refused upload into a problem naming its part.
func attachmentProblem(field string, err error) error {
	switch {
	case errors.Is(err, attach.ErrTooLarge):
		return newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, field, field+": "+err.Error())
	case errors.Is(err, attach.ErrUnsupported), errors.Is(err, attach.ErrMalformed):
		return newProblem(ProblemInvalidAttachment, http.StatusUnprocessableEntity, field, field+": "+err.Error())
	}
	return err
}
