// Package registry owns the sensor points of the city's vital signs: what
// each sensor measures, in which unit, where it is (and so in which grid),
// which unit owns it and how often it should report. Sensors get a dense
// index (0..n-1) that the time-series store and the rule engine use as
// their array index.
//
// Sensors are read from CSV, GeoJSON (a FeatureCollection of Points) or a
// JSON list (Parse). The registry can be replaced while it is in use
// (Next plans a validated new list, Apply swaps it in): a sensor that
// stays keeps its index, a removed one leaves its index empty, so indexes
// held elsewhere never point at another sensor.
package registry
