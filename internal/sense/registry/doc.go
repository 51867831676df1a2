// Package registry owns the sensor points of the city's vital signs: what
// each sensor measures, in which unit, where it is (and so in which grid),
// which unit owns it and how often it should report. Sensors get a dense
// index (0..n-1) that the time-series store and the rule engine use as
// their array index.
package registry
