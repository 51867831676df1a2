// Package unit owns the router's labels: it finds the answering unit in an
// official reply ("A7县教育局", "A3区洋湖街道", "我镇") and normalises it to a
// unit type (教育, 街道乡镇, 住建, 交通, 公安, 城管, 环保, 人社, 卫健, 市场监管 …)
// from a fixed, documented keyword table. It is a heuristic over the real
// replies; Coverage on the replies is measured, not assumed.
package unit
