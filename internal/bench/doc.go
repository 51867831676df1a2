// Package bench owns the platform's end-to-end benchmarks behind
// `yiwang bench …`. Each benchmark measures the platform path it names and,
// in the same run, the baseline it is judged against (the raw store, a
// reference implementation), and reports the ratio: this machine is shared
// and noisy, so only same-run ratios are comparable across runs.
package bench
