package open311

import "time"

// maxRecent caps the creates a node remembers for retries.
const maxRecent = 50_000

type recentCreate struct {
	id string
	at time.Time
}

// recentCase returns the case a request with this fingerprint created on
// this node within the window.
func (s *Server) recentCase(fp string, now time.Time) (string, bool) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	rc, ok := s.recent[fp]
	if !ok || now.Sub(rc.at) >= s.window || now.Before(rc.at) {
		return "", false
	}
	return rc.id, true
}

// remember records a create; past maxRecent entries it forgets the
// expired ones, and if none has expired, all of them (the store's
// idempotency keys still catch retries within one aligned window).
func (s *Server) remember(fp, id string, now time.Time) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	if len(s.recent) >= maxRecent {
		for k, rc := range s.recent {
			if now.Sub(rc.at) >= s.window {
				delete(s.recent, k)
			}
		}
		if len(s.recent) >= maxRecent {
			clear(s.recent)
		}
	}
	if rc, ok := s.recent[fp]; !ok || now.Sub(rc.at) >= s.window {
		s.recent[fp] = recentCreate{id: id, at: now}
	}
}
