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
//
// Persistence (Options.Dir; Open, Checkpoint, Close). Three kinds of file,
// little-endian, each record framed by its length and CRC-32C and keyed by
// the series' name (Options.Name), so that data follows a sensor when
// registry slots move:
//
//	blocks-NNNNNN.seg  "YWTSBLK1", then one record per sealed block:
//	                   name, min and max time, count, the block's bytes
//	hours-NNNNNN.seg   "YWTSHRS1", then records of hourly rollups whose
//	                   readings (some of them) expired: name, count, aggregates
//	heads.snap         "YWTSHED1", then per series its head block and its
//	                   reorder buffer, both block-encoded
//
// Segments are append-only and start anew past Options.SegmentBytes; a
// segment whose every block expired is deleted once the rollups of those
// readings are written. Checkpoint writes the blocks sealed and rollups
// expired since the last one (synced), then replaces heads.snap whole
// (written beside, synced, renamed). Open reads the segments in order (a
// torn record at the end of the last one, left by a crash, is cut off),
// then the heads, keeping only readings newer than the series' sealed
// blocks (a block sealed after the snapshot holds the older ones), and
// rebuilds the hourly rollups of the readings it holds. On disk a reading
// costs what it costs in memory plus about 40 bytes per block of 1024 and
// a snapshot record per series.
package tsdb
