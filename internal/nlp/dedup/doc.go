// Package dedup owns near-duplicate detection of citizen messages: a 64-bit
// SimHash of each message's character 2- and 3-grams (normalised by package
// text), indexed by the pigeonhole principle — the fingerprint is cut into
// MaxDistance+1 blocks and any fingerprint within MaxDistance bits shares at
// least one block exactly — and filtered by area and a time window.
package dedup
