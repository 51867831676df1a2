// Package tsdb owns the in-memory time series of sensor readings: one
// series per sensor (by registry index), compressed Gorilla-style in
// blocks, with 1-minute and 1-hour rollups and retention.
//
// Compression. Timestamps (nanoseconds) are stored as delta-of-delta with
// variable-length buckets (1 bit when a sensor reports at its exact
// interval). Values: 1 bit for a repeated value; for a value that is an
// exact decimal of at most 4 digits following another (most sensors report
// 0.1 mm, 1 cm, 1 µg/m³ steps), the difference of the two as integers at the
// block's scale, in 7, 14 or 32 bits; otherwise, as in Gorilla, the XOR of
// the previous value's bits, reusing the previous leading/trailing-zero
// window when it fits. Plain Gorilla XOR spends 3 to 8 bytes on such decimal
// values; the scale costs no bits, because the decoder derives it from the
// values it has decoded, exactly as the encoder did. A block is sealed after
// BlockSize readings and its bytes trimmed.
//
// Out of order and duplicates. Each series keeps a small sorted reorder
// buffer of the latest Reorder readings; a reading enters the compressed
// block only when Reorder newer ones have arrived. A reading older than
// the buffer's window is refused (ErrTooLate), a second reading with the
// timestamp of one already held is dropped (ErrDuplicate: the first value
// wins); both are counted. Queries see the buffer too.
//
// Rollups (min, max, sum, count, last) per hour are kept incrementally as
// readings leave the reorder buffer (48 bytes per series-hour); per minute
// they are computed from the compressed readings when asked for (keeping
// them would cost 48 bytes per minute per series, more than the readings of
// a sensor reporting once a minute). Both include the reorder buffer.
// Retention drops whole sealed blocks (so minute rollups go with them) and
// old hourly rollups.
package tsdb
