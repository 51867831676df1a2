package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// work delivers h's queue until ctx ends.
func (n *Notifier) work(ctx context.Context, h *hook) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-h.queue:
			r := n.deliver(ctx, h, d)
			if r.Delivered {
				n.delivered.Add(1)
			} else {
				n.failed.Add(1)
				if ctx.Err() == nil {
					n.log.Error("notification failed", "url", h.URL, "delivery", d.id, "attempts", r.Attempts, "status", r.Status, "err", r.Err)
				}
			}
			if n.o.OnResult != nil {
				n.o.OnResult(r)
			}
		}
	}
}

// deliver POSTs d to h, retrying with exponential backoff.
func (n *Notifier) deliver(ctx context.Context, h *hook, d delivery) Result {
	r := Result{URL: h.URL, DeliveryID: d.id, Event: d.ev}
	wait := n.o.Backoff
	for {
		r.Attempts++
		var retry bool
		r.Status, retry, r.Err = n.post(ctx, h, d, r.Attempts)
		if r.Err == nil {
			r.Delivered = true
			return r
		}
		if !retry || r.Attempts >= n.o.MaxAttempts {
			return r
		}
		n.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			r.Err = fmt.Errorf("gave up when stopping: %w", r.Err)
			return r
		case <-t.C:
		}
		wait = min(2*wait, n.o.MaxBackoff)
	}
}

// post makes one attempt; retry says whether a failure is worth retrying.
func (n *Notifier) post(ctx context.Context, h *hook, d delivery, attempt int) (status int, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.body))
	if err != nil {
		return 0, false, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "yiwang-notify")
	req.Header.Set(DeliveryHeader, d.id)
	req.Header.Set(EventHeader, string(d.ev.Action))
	req.Header.Set(AttemptHeader, strconv.Itoa(attempt))
	if h.Secret != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(h.Secret), d.body))
	}
	resp, err := n.o.Client.Do(req)
	if err != nil {
		return 0, ctx.Err() == nil, fmt.Errorf("posting: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return s, false, nil
	case s >= 500 || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests:
		return s, true, fmt.Errorf("receiver answered %d", s)
	default:
		return s, false, fmt.Errorf("receiver answered %d (not retried)", s)
	}
}
