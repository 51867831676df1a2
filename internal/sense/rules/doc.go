// Package rules owns the alarm rules of the city's vital signs: rules are
// data (YAML, parsed strictly and validated against the sensor registry)
// and an Engine evaluates them reading by reading. Evaluation takes the
// time as an argument; nothing here reads a clock.
//
// Kinds of rule:
//   - threshold: a sensor above (or below) a level, clearing at a
//     separate level (hysteresis);
//   - duration: a threshold that must hold for a while ("above 28.5 m
//     for 10 minutes"), judged on reading times;
//   - rate: a rise (or fall) of at least an amount within a window;
//   - stale: a sensor silent for longer than a time (heartbeat lost);
//   - composite: all (or any) of other rules firing, e.g. heavy rain AND a
//     rising river; composites may nest, a cycle is an error naming it;
//   - area: at least a share of the sensors of one kind in an area (a
//     district, street, community or grid code) above a level.
//
// A rule marked silent raises no alarm of its own; composites use it.
package rules
