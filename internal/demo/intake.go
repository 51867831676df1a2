package demo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/store"
)

// TagIntake marks the cases Intake took in (besides TagDemo).
const TagIntake = "demo:intake"

// DefaultIntakeCount is how many messages Intake takes in by default.
const DefaultIntakeCount = 30

// IntakeDocument is the store document Intake writes when it has taken
// its messages in; while it exists, Intake does nothing.
const IntakeDocument = "demo/intake"

// intakeActor is who takes the messages in: the API's actor of an
// anonymous create.
const intakeActor = "intake"

// Creator takes a new case in: the workflow (classification, automatic
// dispatch or the low-confidence queue), as every intake route does.
type Creator interface {
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
}

// Documents keeps the document marking the intake done.
type Documents interface {
	GetDocument(ctx context.Context, name string) (store.Document, error)
	PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error)
}

// IntakeOptions configure Intake; zero values mean the defaults.
type IntakeOptions struct {
	// Count is how many messages to take in (default DefaultIntakeCount).
	Count int
	// Locator gives generated positions; nil leaves cases without a location.
	Locator Locator
	// Taxonomy maps the guessed level-1 names to codes (default category.Default()).
	Taxonomy *category.Taxonomy
	// Seed drives the generated positions (default DefaultSeed).
	Seed uint64
}

// IntakeReport says what Intake did.
type IntakeReport struct {
	// Done is true when an earlier intake had finished (IntakeDocument
	// exists): nothing was taken in.
	Done bool `json:"-"`
	// Messages is how many messages were submitted; Created how many of
	// them made a new case (the others had been taken in by an earlier,
	// interrupted intake: their idempotency keys returned those cases).
	Messages int `json:"messages"`
	Created  int `json:"created"`
	// AutoDispatched, LowConfidence and Manual split the messages' cases
	// by what the workflow did: dispatched automatically, held in the
	// low-confidence queue with suggestions, or left to the dispatchers'
	// manual queue (no rule covers them).
	AutoDispatched int `json:"auto_dispatched"`
	LowConfidence  int `json:"low_confidence"`
	Manual         int `json:"manual"`
}

// IntakeMessages returns the messages Intake takes in: count messages of
// the support set (never used to train the classifier, which learns from
// the labelled set and the replied one), evenly spaced in id order.
func IntakeMessages(count int) ([]Message, error) {
	msgs, err := Messages()
	if err != nil {
		return nil, err
	}
	var support []Message
	for _, m := range msgs {
		if m.Set == SetSupport {
			support = append(support, m)
		}
	}
	count = min(cmp.Or(count, DefaultIntakeCount), len(support))
	out := make([]Message, count)
	for i := range out {
		out[i] = support[i*len(support)/count]
	}
	return out, nil
}

// Intake takes real demo messages in as new web cases through the
// workflow, as a citizen's message is: the workflow classifies each one
// (it is tagged cases.TagAutoCategory and filed under the keyword
// guess's first-level category, TagCategoryGuessed), then dispatches it
// automatically or holds it in the low-confidence queue. Each create has
// the idempotency key "demo-intake/<message id>", so an interrupted intake
// finishes without duplicates; when all are in, IntakeDocument records it
// and later calls do nothing (Done). Call it once the node's start-up
// training has ended, so that the classifier reads the messages.
func Intake(ctx context.Context, c Creator, docs Documents, opts IntakeOptions) (IntakeReport, error) {
	if doc, err := docs.GetDocument(ctx, IntakeDocument); err == nil {
		rep := IntakeReport{Done: true}
		if err := json.Unmarshal(doc.Body, &rep); err != nil {
			return IntakeReport{}, fmt.Errorf("reading document %s: %w", IntakeDocument, err)
		}
		rep.Done = true
		return rep, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return IntakeReport{}, fmt.Errorf("checking for an earlier demo intake: %w", err)
	}
	tax := opts.Taxonomy
	if tax == nil {
		var err error
		if tax, err = category.Default(); err != nil {
			return IntakeReport{}, fmt.Errorf("loading taxonomy: %w", err)
		}
	}
	msgs, err := IntakeMessages(opts.Count)
	if err != nil {
		return IntakeReport{}, err
	}
	ds, total, err := districts(opts.Locator)
	if err != nil {
		return IntakeReport{}, err
	}
	seed := cmp.Or(opts.Seed, DefaultSeed)
	var rep IntakeReport
	for _, m := range msgs {
		n, err := intakeCase(m, tax, opts.Locator, ds, total, seed)
		if err != nil {
			return rep, err
		}
		key := "demo-intake/" + m.ID
		sum := sha256.Sum256([]byte(key + "\x00" + m.Title))
		got, created, err := c.Create(ctx, store.CreateRequest{Case: n, Actor: intakeActor,
			IdempotencyKey: key, RequestHash: hex.EncodeToString(sum[:])})
		if err != nil {
			return rep, fmt.Errorf("taking in demo message %s: %w", m.ID, err)
		}
		rep.Messages++
		if created {
			rep.Created++
		}
		switch {
		case got.Queue == cases.QueueLowConfidence:
			rep.LowConfidence++
		case got.State == cases.StateReceived:
			rep.Manual++
		default:
			rep.AutoDispatched++
		}
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return rep, fmt.Errorf("encoding document %s: %w", IntakeDocument, err)
	}
	if _, err := docs.PutDocument(ctx, store.Document{Name: IntakeDocument, Body: body, UpdatedBy: intakeActor}, 0); err != nil &&
		!errors.Is(err, store.ErrVersionConflict) { // another node finished first: its keys met ours
		return rep, fmt.Errorf("recording the demo intake: %w", err)
	}
	return rep, nil
}

// intakeCase is the web case of a message: its title and body, the
// keyword guess's category, a generated position drawn from the message's
// own random stream (the same on every run), no reporter (the data's users
// are anonymised and dropped).
func intakeCase(m Message, tax *category.Taxonomy, loc Locator, ds []District, total float64, seed uint64) (cases.NewCase, error) {
	level1, _ := GuessLevel1(m.Title, m.Body)
	var place func() (cases.Location, error)
	if loc != nil {
		h := fnv.New64a()
		h.Write([]byte(m.ID))
		r := rand.New(rand.NewPCG(seed, h.Sum64()))
		place = func() (cases.Location, error) { return loc.Place(districtFor(m, ds, total, r), r) }
	}
	return messageCase(m, level1, tax, []string{TagDemo, TagIntake, TagCategoryGuessed, cases.TagAutoCategory}, place)
}
