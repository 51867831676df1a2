// Package unit owns the unit router and its labels. Extract finds the
// answering unit in an official reply ("A7县教育局", "A3区洋湖街道",
// "我镇") and normalises it to a unit type (教育, 街道乡镇, 住建, 交通, 公安,
// 城管, 环保, 人社, 卫健, 市场监管 …) from a fixed, documented keyword table,
// refusing units that are only mentioned (cited, reported to, partners,
// places); it is a heuristic over the real replies, and its coverage is
// measured, not assumed. Router (TrainRouter, TrainDefault) predicts the
// types of unit likely to handle a message from the message text plus cue
// words (the level of the places it names, the kind of named place, the
// area codes), the cue weight chosen by cross-validation inside the
// training data. kinds.csv maps the dispatch directory's unit kinds to the
// same types (KindTypes), so that the platform's own closed cases can be
// labelled by the unit that handled them.
package unit
