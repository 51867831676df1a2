package unit

import "yiwang/internal/nlp/classify"

// categoryOf maps the unit types whose work clearly falls in one
// first-level category to that category's name (default taxonomy). Types
// that answer for many matters (街道乡镇, 区县政府, 公安 …) map to nothing.
var categoryOf = map[string]string{
	"教育":   "教育文体",
	"人社":   "劳动和社会保障",
	"卫健":   "卫生计生",
	"交通":   "交通运输",
	"环保":   "环境保护",
	"住建":   "城乡建设",
	"城管":   "城乡建设",
	"市场监管": "商贸旅游",
	"商务文旅": "商贸旅游",
}

// Category returns the first-level category name a unit type implies, or
// "" when it implies none.
func Category(unitType string) string { return categoryOf[unitType] }

// WeakCategories labels each replied message with the category its
// answering unit implies — weak labels for training the category
// classifier (classify.Options.Weak). Messages whose reply names no unit,
// or a unit implying no category, or a category not in keep (when keep is
// not nil), are left out.
func WeakCategories(replies []Reply, keep map[string]bool) []classify.Example {
	var out []classify.Example
	for _, r := range replies {
		u, err := Extract(r.Reply)
		if err != nil {
			continue
		}
		c := Category(u.Type)
		if c == "" || keep != nil && !keep[c] {
			continue
		}
		out = append(out, classify.Example{Title: r.Title, Body: r.Body, Label: c})
	}
	return out
}
