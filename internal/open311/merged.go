package open311

import (
	"context"
	"errors"
	"fmt"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// handlers finds, for the requests of one GET, the case each merged case
// is handled with, reading each parent once.
type handlers struct {
	st   store.Store
	read map[string]*cases.Case // nil: not found
}

func newHandlers(st store.Store) *handlers {
	return &handlers{st: st, read: map[string]*cases.Case{}}
}

func (h *handlers) get(ctx context.Context, id string) (*cases.Case, error) {
	if c, ok := h.read[id]; ok {
		return c, nil
	}
	c, err := h.st.Get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.read[id] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading case %s, which a merged case joined: %w", id, err)
	}
	h.read[id] = &c
	return &c, nil
}

// of returns the case that handles merged case c now: the end of its
// chain of merges (cases.HandlingCase). It returns nil when c is not
// merged, or when the chain is broken (a parent that does not exist), too
// long or a cycle: c is then answered from its own state and relays.
func (h *handlers) of(ctx context.Context, c *cases.Case) (*cases.Case, error) {
	last, complete, err := cases.HandlingCase(c, func(id string) (*cases.Case, error) { return h.get(ctx, id) })
	if err != nil || !complete {
		return nil, err
	}
	return last, nil
}

// mergedStatus is the status of merged case c handled with handler (as
// handlers.of returns it): c shares handler's handling, so it is closed
// once handler is resolved (办结, 回访, 结案), with handler's reply, and
// open while handler is handled. A voided handler (作废) answers nobody:
// c is open, since the platform detaches it to be handled on its own.
func mergedStatus(c, handler *cases.Case) (status, notes string) {
	switch {
	case handler.State == cases.StateVoided:
		return StatusOpen, "主件 " + handler.ID + " 已作废，本件将单独办理 (the case this one was merged into was voided; this one will be handled on its own)"
	case StatusOf(handler.State) == StatusClosed:
		reply := handler.Reply
		if reply == "" {
			reply = c.Reply
		}
		if reply != "" {
			return StatusClosed, reply
		}
		return StatusClosed, "已合并至 " + c.ParentID + "，主件已办结 (merged into " + c.ParentID + ", which has been resolved)"
	}
	return StatusOpen, "已合并至 " + c.ParentID + "，随主件办理，主件当前状态：" + handler.State.Label() +
		" (merged into " + c.ParentID + " and handled with it; that case is " + string(handler.State) + ")"
}
