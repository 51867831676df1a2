package api

import "yiwang/internal/cases"

// viewCase returns c as the caller may see it: reporter masked unless reveal.
func viewCase(c cases.Case, reveal bool) cases.Case {
	if !reveal {
		c.Reporter = c.Reporter.Masked()
	}
	return c
}

// viewEvent returns e as the caller may see it: the reporter inside a create
// event's payload masked unless reveal. The stored event is not modified.
func viewEvent(e cases.Event, reveal bool) cases.Event {
	if !reveal && e.Payload.Case != nil {
		n := *e.Payload.Case
		n.Reporter = n.Reporter.Masked()
		e.Payload.Case = &n
	}
	return e
}
