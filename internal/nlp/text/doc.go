// Package text owns how message text becomes model input: Normalize folds
// full-width forms and case and replaces numbers by class marks — masking
// mobile/landline phone numbers and 15/18-digit identity numbers — and
// Grams enumerates character 1–3-grams of Han runs and whole Latin words;
// Spans turns the grams that drove a prediction back into readable spans
// of the normalised text for people.
// Nothing else in internal/nlp reads raw text, so no phone or identity
// number ever reaches a model, a model file or an explanation.
package text
